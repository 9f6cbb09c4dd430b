package cloudauth

import "testing"

// Tencent IoT Explorer's key authentication ("设备基于 TCP 的 MQTT 接入",
// https://cloud.tencent.com/document/product/1081/102803, and the IoT Hub
// page https://cloud.tencent.com/document/product/634/32546): username
// "${productId}${deviceName};12010126;${connid};${expiry}", password
// "${hex(HMAC-SHA256(base64decode(psk), username))};hmacsha256". The
// example product OY4Q6W34ND with device dev001; the signature computed
// independently with
// `printf 'OY4Q6W34NDdev001;12010126;ABCDE;1700003600' | openssl dgst -sha256 -mac HMAC -macopt hexkey:…`.
var tencentDoc = Connect{
	Host: "OY4Q6W34ND.iotcloud.tencentdevices.com", Port: 1883, TLSKnown: true,
	ClientID: "OY4Q6W34NDdev001",
	Username: "OY4Q6W34NDdev001;12010126;ABCDE;1700003600", HasUsername: true,
	Password:    "e0422b376cb6ebcc898a2344a77037bf096578b53689114497890609f1135065;hmacsha256",
	HasPassword: true,
	At:          at("2023-11-14T22:30:00Z"), // 1699993800
	Secret:      testKey,
}

func TestTencentDocumentedExample(t *testing.T) {
	wantClean(t, mustCheck(t, tencentDoc, "Tencent IoT Explorer"), true)
	c := tencentDoc
	c.Host = ""
	wantClean(t, mustCheck(t, c, "Tencent IoT Explorer"), true)
}

func TestTencentWrongSecret(t *testing.T) {
	c := tencentDoc
	c.Secret = "YW5vdGhlciBkZXZpY2Uga2V5IG9mIDMyIGJ5dGVzIQ=="
	wantProblem(t, mustCheck(t, c, "Tencent IoT Explorer"), CodeSignature, "password", "OY4Q6W34NDdev001;12010126;ABCDE;1700003600")
}

func TestTencentExpired(t *testing.T) {
	c := tencentDoc
	c.At = at("2023-11-15T02:20:00Z")
	wantProblem(t, mustCheck(t, c, "Tencent IoT Explorer"), CodeExpired, "username", "expired 3 h before the connect")
}

func TestTencentFormat(t *testing.T) {
	c := tencentDoc
	c.Username = "OY4Q6W34NDdev001"
	wantProblem(t, mustCheck(t, c, "Tencent IoT Explorer"), CodeFormat, "username", "has not the 4 ';'-separated fields", "(it has 1)")
	c = tencentDoc
	c.Password = "e0422b376cb6ebcc898a2344a77037bf096578b53689114497890609f1135065"
	wantProblem(t, mustCheck(t, c, "Tencent IoT Explorer"), CodeFormat, "password", ";hmacsha256")
	c = tencentDoc
	c.Host = "AAAAAAAAAA.iotcloud.tencentdevices.com"
	wantProblem(t, mustCheck(t, c, "Tencent IoT Explorer"), CodeFormat, "username", `"OY4Q6W34ND"`, `"aaaaaaaaaa"`)
}
