package cloudauth

import (
	"testing"
	"time"
)

// The worked example of Alibaba Cloud's "如何计算MQTT签名参数" (How to
// calculate the MQTT signature parameters),
// https://help.aliyun.com/zh/iot/user-guide/how-do-i-obtain-mqtt-parameters-for-authentication
// and the MQTT-TCP connection page
// https://help.aliyun.com/document_detail/73742.html: clientId 12345,
// deviceName device, productKey pk, timestamp 789, signmethod hmacsha1,
// deviceSecret secret; content
// "clientId12345deviceNamedeviceproductKeypktimestamp789", whose
// HMAC-SHA1 the page shows as FAFD82A3D602B37FB0FA8B7892F24A477F85****
// (the rest masked; computed independently with openssl dgst -hmac).
var aliyunDoc = Connect{
	Host:     "pk.iot-as-mqtt.cn-shanghai.aliyuncs.com",
	Port:     1883,
	TLSKnown: true,
	ClientID: "12345|securemode=3,signmethod=hmacsha1,timestamp=789|",
	Username: "device&pk", HasUsername: true,
	Password: "FAFD82A3D602B37FB0FA8B7892F24A477F851A14", HasPassword: true,
	Secret: "secret",
}

func TestAliyunDocumentedExample(t *testing.T) {
	r := mustCheck(t, aliyunDoc, "Alibaba Cloud IoT")
	wantClean(t, r, true)
	if r.Why != "the broker's host name pk.iot-as-mqtt.cn-shanghai.aliyuncs.com" {
		t.Fatalf("why %q", r.Why)
	}
}

// The newer SDK form (Link SDK 4.x / the Paho samples the console links):
// "<pk>.<dn>|timestamp=<ms>,_v=…,securemode=2,signmethod=hmacsha256|",
// recognised by its shape alone (capture-only: no host name).
func TestAliyunNewFormByShape(t *testing.T) {
	c := Connect{
		TLSKnown: true, TLS: true,
		ClientID: "a1X2bEnP82z.example1|timestamp=1700000000000,_v=paho-android-1.0.0,securemode=2,signmethod=hmacsha256,ext=3,|",
		Username: "example1&a1X2bEnP82z", HasUsername: true,
		Password:    "dffe32e5d757e7b619aa1c83349ecdf963f3a82bef39ec1f2aa5f0b491e06468",
		HasPassword: true,
		At:          time.UnixMilli(1700000000000).Add(20 * time.Second),
		Secret:      "ga7XA6KdlEeiPXQPpRbAjOZXwG8yTest",
	}
	r := mustCheck(t, c, "Alibaba Cloud IoT")
	wantClean(t, r, true)
	if r.Why != "the form of the credentials" {
		t.Fatalf("why %q", r.Why)
	}
}

func TestAliyunWrongSecret(t *testing.T) {
	c := aliyunDoc
	c.Secret = "another-device-secret"
	r := mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeSignature, "password", `clientId "12345"`, `productKey "pk"`, "timestamp 789")
	if r.Verified {
		t.Fatal("verified with a wrong secret")
	}
}

// A signature made without the timestamp while the client id carries
// one: the field that differs is named.
func TestAliyunSignedWithoutTimestamp(t *testing.T) {
	c := aliyunDoc
	// HMAC-SHA1("secret", "clientId12345deviceNamedeviceproductKeypk")
	c.Password = "3504e4df7ce4766d30f796ee973c9ce7fc5425cb"
	r := mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeSignature, "client id", "without the timestamp", "timestamp=789")

	c = aliyunDoc
	c.Username = "pk&device" // swapped
	r = mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeSignature, "username", "swapped")
	wantProblem(t, r, CodeFormat, "username", `productKey "device"`)
}

func TestAliyunStaleTimestamp(t *testing.T) {
	c := aliyunDoc
	c.ClientID = "12345|securemode=3,signmethod=hmacsha1,timestamp=1700000000000|"
	c.Secret = ""
	c.At = time.UnixMilli(1700000000000).Add(3 * time.Hour)
	r := mustCheck(t, c, "Alibaba Cloud IoT")
	p := wantProblem(t, r, CodeExpired, "client id", "3 h before the connect")
	if p.Error {
		t.Fatal("a stale Aliyun timestamp is a warning: most instances do not check it")
	}
}

func TestAliyunFormat(t *testing.T) {
	c := Connect{Host: "a1b2c3d4e5f.iot-as-mqtt.cn-shanghai.aliyuncs.com", TLSKnown: true, TLS: true,
		ClientID: "dev1", Username: "dev1", HasUsername: true, Password: "plain", HasPassword: true}
	r := mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeFormat, "client id", "securemode")
	wantProblem(t, r, CodeFormat, "username", "<deviceName>&<productKey>")

	c = aliyunDoc
	c.Secret = ""
	c.ClientID = "12345|securemode=3,signmethod=hmacsha256,timestamp=789|" // password is SHA-1 long
	r = mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeFormat, "password", "64 hex digits", "HMAC-SHA1")

	c = aliyunDoc
	c.Username = "device&otherpk"
	c.Secret = ""
	r = mustCheck(t, c, "Alibaba Cloud IoT")
	wantProblem(t, r, CodeFormat, "username", `"otherpk"`, `"pk"`)

	c = aliyunDoc
	c.TLS = true // securemode=3 over TLS
	c.Secret = ""
	r = mustCheck(t, c, "Alibaba Cloud IoT")
	if p := wantProblem(t, r, CodeFormat, "client id", "securemode=3"); p.Error {
		t.Fatal("securemode mismatch is a warning")
	}
}

// ApsaraMQ for MQTT shares aliyuncs.com with its own scheme.
func TestAliyunApsaraMQNotChecked(t *testing.T) {
	r := mustCheck(t, Connect{Host: "mqtt-cn-abc.mqtt.aliyuncs.com", ClientID: "GID_Test@@@0001",
		Username: "Signature|YYYYY|mqtt-xxxxx", HasUsername: true, Password: "x", HasPassword: true}, "Alibaba Cloud IoT")
	wantClean(t, r, false)
}
