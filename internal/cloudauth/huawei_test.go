package cloudauth

import "testing"

// Huawei Cloud's worked example ("设备连接鉴权",
// https://support.huaweicloud.com/devg-ocsmartcampus/ocsmartcampus_04_0030.html;
// the parameters as in IoTDA's "MQTT CONNECT连接鉴权",
// https://support.huaweicloud.com/api-iothub/iot_06_v5_3009.html):
// secret 12345678, timestamp 2025041401, HMACSHA256 =
// c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a.
var huaweiDoc = Connect{
	Host: "iot-mqtts.cn-north-4.myhuaweicloud.com", Port: 8883, TLSKnown: true, TLS: true,
	ClientID: "5f052ac562369102d42b0fb6_0_1_2025041401",
	Username: "5f052ac562369102d42b0fb6", HasUsername: true,
	Password:    "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a",
	HasPassword: true,
	At:          at("2025-04-14T01:20:00Z"),
	Secret:      "12345678",
}

func TestHuaweiDocumentedExample(t *testing.T) {
	wantClean(t, mustCheck(t, huaweiDoc, "Huawei Cloud IoTDA"), true)
	c := huaweiDoc
	c.Host = "" // capture-only, by the shape
	wantClean(t, mustCheck(t, c, "Huawei Cloud IoTDA"), true)
}

func TestHuaweiWrongSecret(t *testing.T) {
	c := huaweiDoc
	c.Secret = "87654321"
	wantProblem(t, mustCheck(t, c, "Huawei Cloud IoTDA"), CodeSignature, "password", "2025041401")
}

func TestHuaweiSwappedAndOtherHour(t *testing.T) {
	c := huaweiDoc
	c.ClientID = "5f052ac562369102d42b0fb6_0_0_2025041402" // signed for 01
	c.At = at("2025-04-14T02:10:00Z")
	wantProblem(t, mustCheck(t, c, "Huawei Cloud IoTDA"), CodeSignature, "client id", "2025041401", "2025041402")
}

func TestHuaweiExpiredTimestamp(t *testing.T) {
	c := huaweiDoc
	c.At = at("2025-04-14T05:30:00Z")
	r := mustCheck(t, c, "Huawei Cloud IoTDA")
	p := wantProblem(t, r, CodeExpired, "client id", "4 h before the connect", "signature type 1")
	if !p.Error {
		t.Fatal("signature type 1 checks the timestamp: an error")
	}
	c.ClientID = "5f052ac562369102d42b0fb6_0_0_2025041401"
	if p := wantProblem(t, mustCheck(t, c, "Huawei Cloud IoTDA"), CodeExpired, "client id"); p.Error {
		t.Fatal("signature type 0 does not check the timestamp: a warning")
	}
}

func TestHuaweiFormat(t *testing.T) {
	c := huaweiDoc
	c.ClientID = "5f052ac562369102d42b0fb6"
	wantProblem(t, mustCheck(t, c, "Huawei Cloud IoTDA"), CodeFormat, "client id", "<deviceId>_0_0_<YYYYMMDDHH>")
	c = huaweiDoc
	c.Username = "other"
	wantProblem(t, mustCheck(t, c, "Huawei Cloud IoTDA"), CodeFormat, "username", `"other"`)
	c = huaweiDoc
	c.Password = "12345678" // the secret itself
	r := mustCheck(t, c, "Huawei Cloud IoTDA")
	wantProblem(t, r, CodeFormat, "password", "64 hex digits")
	wantProblem(t, r, CodeSignature, "password", "the device secret itself")
}
