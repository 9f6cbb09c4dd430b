package cloudauth

import "testing"

// OneNET's token algorithm ("token算法",
// https://open.iot.10086.cn/doc/v5/fuse/detail/1486; the worked example's
// parameters: version 2018-10-31, res products/123123/devices/mydev,
// et 1537255523 (2018-09-18 07:25:23 UTC), method sha1). The page's key
// is the reader's own, so the signature is computed here with testKey,
// independently with
// `printf '1537255523\nsha1\nproducts/123123/devices/mydev\n2018-10-31' | openssl dgst -sha1 -mac HMAC -macopt hexkey:… -binary | base64`.
var onenetDoc = Connect{
	Host: "mqtts.heclouds.com", Port: 1883, TLSKnown: true,
	ClientID: "mydev", Username: "123123", HasUsername: true,
	Password:    "version=2018-10-31&res=products%2F123123%2Fdevices%2Fmydev&et=1537255523&method=sha1&sign=2eMhwh7D9xU%2BdtpVgmfB3J18YSM%3D",
	HasPassword: true,
	At:          at("2018-09-18T06:00:00Z"),
	Secret:      testKey,
}

func TestOneNETDocumentedExample(t *testing.T) {
	r := mustCheck(t, onenetDoc, "OneNET")
	wantClean(t, r, true)
	if len(r.Notes) != 1 || r.Notes[0] != "the token's expiry (et) is 2018-09-18T07:25:23Z, 1 h after the connect" {
		t.Fatalf("notes %q", r.Notes)
	}
}

func TestOneNETWrongSecret(t *testing.T) {
	c := onenetDoc
	c.Secret = "YW5vdGhlciBkZXZpY2Uga2V5IG9mIDMyIGJ5dGVzIQ=="
	wantProblem(t, mustCheck(t, c, "OneNET"), CodeSignature, "password", "products/123123/devices/mydev")
}

func TestOneNETExpired(t *testing.T) {
	c := onenetDoc
	c.At = at("2018-09-18T10:30:00Z")
	p := wantProblem(t, mustCheck(t, c, "OneNET"), CodeExpired, "password", "expired 3 h before the connect")
	if !p.Error {
		t.Fatal("an expired token is refused: error")
	}
}

func TestOneNETFormat(t *testing.T) {
	c := onenetDoc
	c.Secret = ""
	c.Password = "version=2018-10-31&res=products/123123/devices/mydev&et=1537255523&method=sha1&sign=2eMhwh7D9xU+dtpVgmfB3J18YSM="
	wantProblem(t, mustCheck(t, c, "OneNET"), CodeFormat, "password", "not URL-encoded")
	c = onenetDoc
	c.ClientID = "otherdev"
	wantProblem(t, mustCheck(t, c, "OneNET"), CodeFormat, "client id", `"otherdev"`, `"mydev"`)
	c = onenetDoc
	c.Password = "version=2018-10-31&et=1537255523&method=sha1"
	wantProblem(t, mustCheck(t, c, "OneNET"), CodeFormat, "password", "res, sign")
	c = onenetDoc
	c.Secret = "not base64 at all!"
	wantProblem(t, mustCheck(t, c, "OneNET"), CodeSecretForm, "device secret")
}
