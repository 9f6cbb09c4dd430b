package cloudauth

import "testing"

// Azure IoT Hub over MQTT directly ("Communicate with an IoT hub using
// the MQTT protocol", section "Using the MQTT protocol directly (as a
// device)", https://learn.microsoft.com/en-us/azure/iot/iot-mqtt-connect-to-iot-hub,
// and the SAS token algorithm of "Control access to IoT Hub with shared
// access signatures", https://learn.microsoft.com/en-us/azure/iot-hub/authenticate-authorize-sas):
// username "{iotHub-hostname}/{device-id}/?api-version=2021-04-12",
// password "SharedAccessSignature sr={URL-encoded resourceURI}&sig={signature}&se={expiry}",
// signature = HMAC-SHA256(base64decode(key), sr + "\n" + se). Computed
// independently with
// `printf 'myhub.azure-devices.net%%2Fdevices%%2Fdev1\n1700003600' | openssl dgst -sha256 -mac HMAC -macopt hexkey:… -binary | base64`.
var azureDoc = Connect{
	Host: "myhub.azure-devices.net", Port: 8883, TLSKnown: true, TLS: true,
	ClientID: "dev1",
	Username: "myhub.azure-devices.net/dev1/?api-version=2021-04-12", HasUsername: true,
	Password:    "SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=oqEOlltdgYIdzuGJanIBwr2YbFjHUgUz%2BZzjMCabcOA%3D&se=1700003600",
	HasPassword: true,
	At:          at("2023-11-14T22:30:00Z"),
	Secret:      testKey,
}

func TestAzureDocumentedExample(t *testing.T) {
	r := mustCheck(t, azureDoc, "Azure IoT Hub")
	wantClean(t, r, true)
	if len(r.Notes) != 1 || r.Notes[0] != "the SAS token's expiry (se) is 2023-11-14T23:13:20Z, 43 min after the connect" {
		t.Fatalf("notes %q", r.Notes)
	}
}

func TestAzureWrongSecret(t *testing.T) {
	c := azureDoc
	c.Secret = "YW5vdGhlciBkZXZpY2Uga2V5IG9mIDMyIGJ5dGVzIQ=="
	wantProblem(t, mustCheck(t, c, "Azure IoT Hub"), CodeSignature, "password", "se 1700003600")
}

func TestAzureExpired(t *testing.T) {
	c := azureDoc
	c.At = at("2023-11-15T02:20:00Z")
	wantProblem(t, mustCheck(t, c, "Azure IoT Hub"), CodeExpired, "password", "expired 3 h before the connect")
}

func TestAzureFormat(t *testing.T) {
	c := azureDoc
	c.Username = "myhub.azure-devices.net/dev1"
	c.TLS = false
	r := mustCheck(t, c, "Azure IoT Hub")
	wantProblem(t, r, CodeFormat, "username", "api-version")
	wantProblem(t, r, CodeFormat, "connection", "only over TLS")
	c = azureDoc
	c.ClientID = "dev2"
	r = mustCheck(t, c, "Azure IoT Hub")
	wantProblem(t, r, CodeFormat, "client id", `"dev2"`)
	wantProblem(t, r, CodeFormat, "password", "sr=")
	c = azureDoc
	c.Password = testKey // the key itself
	wantProblem(t, mustCheck(t, c, "Azure IoT Hub"), CodeFormat, "password", "SharedAccessSignature")
}
