package cloudauth

import "testing"

// AWS IoT Core authenticates MQTT devices by X.509 client certificates
// ("Client authentication",
// https://docs.aws.amazon.com/iot/latest/developerguide/client-authentication.html;
// username/password only with a custom authorizer on port 443,
// https://docs.aws.amazon.com/iot/latest/developerguide/custom-authentication.html).
func TestAWSNeedsCertificate(t *testing.T) {
	c := Connect{Host: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", Port: 1883, TLSKnown: true,
		ClientID: "thing1", Username: "thing1", HasUsername: true, Password: "secret-pw", HasPassword: true}
	r := mustCheck(t, c, "AWS IoT Core")
	if p := wantProblem(t, r, CodeNeedsCert, "connection", "plain TCP (port 1883)"); !p.Error {
		t.Fatal("plain TCP to AWS IoT is refused: error")
	}
	if p := wantProblem(t, r, CodeNeedsCert, "password", "custom authorizer"); p.Error {
		t.Fatal("a password over TLS is a warning (custom authorizers exist)")
	}
	c = Connect{Host: "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", Port: 8883, TLSKnown: true, TLS: true, ClientID: "thing1"}
	wantClean(t, mustCheck(t, c, "AWS IoT Core"), false)
	if Check(Connect{Host: "s3.amazonaws.com"}) != nil {
		t.Fatal("any amazonaws.com host taken for AWS IoT")
	}
}

// ThingsBoard's MQTT device API ("MQTT Device API Reference",
// https://thingsboard.io/docs/reference/mqtt-api/): the access token is
// the username.
func TestThingsBoardAccessToken(t *testing.T) {
	c := Connect{Host: "thingsboard.cloud", ClientID: "x", Username: "A1_TEST_TOKEN", HasUsername: true, Secret: "A1_TEST_TOKEN"}
	wantClean(t, mustCheck(t, c, "ThingsBoard"), true)
	c.Secret = "B2_OTHER_TOKEN"
	wantProblem(t, mustCheck(t, c, "ThingsBoard"), CodeSignature, "username")
	c = Connect{Host: "demo.thingsboard.io", ClientID: "x"}
	wantProblem(t, mustCheck(t, c, "ThingsBoard"), CodeFormat, "username", "access token")
}

// EMQX Cloud Serverless ("Connect to Serverless deployment",
// https://docs.emqx.com/en/cloud/latest/connect_to_deployments/overview.html):
// plain username/password, TLS only.
func TestEMQXCloud(t *testing.T) {
	c := Connect{Host: "x1234abc.ala.us-east-1.emqxsl.com", Port: 1883, TLSKnown: true,
		ClientID: "d1", Username: "u", HasUsername: true, Password: "pw-12345", HasPassword: true, Secret: "pw-12345"}
	r := mustCheck(t, c, "EMQX Cloud")
	wantProblem(t, r, CodeFormat, "connection", "only TLS")
	c.TLS, c.Port = true, 8883
	wantClean(t, mustCheck(t, c, "EMQX Cloud"), true)
	c.Secret = "other-pass"
	wantProblem(t, mustCheck(t, c, "EMQX Cloud"), CodeSignature, "password")
}

func TestUnknownBroker(t *testing.T) {
	if r := Check(Connect{Host: "broker.example.com", ClientID: "dev", Username: "u", Password: "p"}); r != nil {
		t.Fatalf("recognised %q", r.Platform)
	}
}

// Hostile input: nothing panics, whatever the fields.
func FuzzCheck(f *testing.F) {
	f.Add("pk.iot-as-mqtt.cn-shanghai.aliyuncs.com", aliyunDoc.ClientID, aliyunDoc.Username, aliyunDoc.Password, "secret")
	f.Add("", onenetDoc.ClientID, onenetDoc.Username, onenetDoc.Password, testKey)
	f.Add("", huaweiDoc.ClientID, huaweiDoc.Username, huaweiDoc.Password, "12345678")
	f.Add("", tencentDoc.ClientID, tencentDoc.Username, tencentDoc.Password, testKey)
	f.Add("", azureDoc.ClientID, azureDoc.Username, azureDoc.Password, testKey)
	f.Add("x|", "|||", "&", "SharedAccessSignature &&&", "")
	f.Fuzz(func(t *testing.T, host, cid, user, pass, secret string) {
		c := Connect{Host: host, ClientID: cid, Username: user, Password: pass, HasUsername: true, HasPassword: true,
			Secret: secret, At: at("2024-01-01T00:00:00Z"), TLSKnown: true}
		if r := Check(c); r != nil {
			for _, p := range r.Problems {
				if p.Code == "" || p.Text == "" {
					t.Fatalf("empty problem %+v", p)
				}
			}
		}
	})
}
