package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An Eigencomm module connecting to Alibaba Cloud IoT with credentials
// signed off the device (the newer "<pk>.<dn>|timestamp=…,securemode=2,
// signmethod=hmacsha256,…|" form the console's Paho samples compute), and
// the platform refusing them (+ECMTCONN: 0,0,4, bad username or
// password). The password is HMAC-SHA256("ga7XA6KdlEeiPXQPpRbAjOZXwG8yTest",
// "clientIda1X2bEnP82z.example1deviceNameexample1productKeya1X2bEnP82ztimestamp1700000000000"),
// computed with openssl dgst -sha256 -hmac.
func aliyunSerialLog(at string) string {
	return "# atmq-serial v1\n" +
		at + `:00.000Z > AT+ECMTOPEN=0,"a1X2bEnP82z.iot-as-mqtt.cn-shanghai.aliyuncs.com",1883\r` + "\n" +
		at + `:00.010Z < \r\nOK\r\n` + "\n" +
		at + `:00.300Z < \r\n+ECMTOPEN: 0,0\r\n` + "\n" +
		at + `:01.000Z > AT+ECMTCONN=0,"a1X2bEnP82z.example1|timestamp=1700000000000,_v=paho-android-1.0.0,securemode=2,signmethod=hmacsha256,ext=3,|","example1&a1X2bEnP82z","dffe32e5d757e7b619aa1c83349ecdf963f3a82bef39ec1f2aa5f0b491e06468"\r` + "\n" +
		at + `:01.010Z < \r\nOK\r\n` + "\n" +
		at + `:01.200Z < \r\n+ECMTCONN: 0,0,4\r\n` + "\n"
}

type credFinding struct {
	Code, Severity, Summary, Explanation, Fix string
	Line                                      int
}

func analyzeCreds(t *testing.T, log string, args ...string) (map[string]credFinding, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "serial.atmq")
	if err := os.WriteFile(path, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runAnalyzeMain(append([]string{"analyze", "--serial", path, "--json"}, args...)...)
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d; %s", code, ExitFindings, stderr)
	}
	var doc struct{ Findings []credFinding }
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	got := map[string]credFinding{}
	for _, f := range doc.Findings {
		got[f.Code] = f
	}
	return got, out
}

func TestAnalyzeAliyunDeviceSecret(t *testing.T) {
	t.Setenv("ATMQ_DEVICE_SECRET", "")
	const right = "ga7XA6KdlEeiPXQPpRbAjOZXwG8yTest"
	log := aliyunSerialLog("2023-11-14T22:13")

	// The right secret: the signature is verified, so the refusal has
	// another cause; securemode=2 over plain TCP on 1883 is a warning.
	got, out := analyzeCreds(t, log, "--device-secret", right)
	v, ok := got["credential-verified"]
	if !ok || v.Severity != "info" || v.Line != 5 || !strings.Contains(v.Summary, "Alibaba Cloud IoT") {
		t.Fatalf("no credential-verified on line 5: %+v", got)
	}
	if f := got["credential-format"]; f.Severity != "warning" || !strings.Contains(f.Explanation, "securemode=2 says TLS") {
		t.Errorf("securemode finding %+v", f)
	}
	if _, ok := got["credential-signature"]; ok {
		t.Errorf("signature called wrong with the right secret: %+v", got["credential-signature"])
	}
	if strings.Contains(out, right) {
		t.Fatal("the device secret is printed")
	}

	// Another device's secret: the signature finding, on the connect
	// line, naming the fields signed; the secret masked even so.
	const wrong = "AnotherDevicesSecret0123456789ab"
	got, out = analyzeCreds(t, log, "--device-secret", wrong)
	s, ok := got["credential-signature"]
	if !ok || s.Severity != "error" || s.Line != 5 {
		t.Fatalf("no credential-signature error on line 5: %+v", got)
	}
	for _, w := range []string{`clientId "a1X2bEnP82z.example1"`, `deviceName "example1"`, `productKey "a1X2bEnP82z"`, "timestamp 1700000000000", "the device secret given"} {
		if !strings.Contains(s.Explanation, w) {
			t.Errorf("explanation lacks %q: %s", w, s.Explanation)
		}
	}
	if _, ok := got["connack-refused"]; !ok {
		t.Errorf("the refusal itself is no longer reported: %+v", got)
	}
	if strings.Contains(out, wrong) {
		t.Fatal("the device secret is printed")
	}
	// From the environment, as the flag's help says.
	t.Setenv("ATMQ_DEVICE_SECRET", wrong)
	if got, _ = analyzeCreds(t, log); got["credential-signature"].Code == "" {
		t.Errorf("$ATMQ_DEVICE_SECRET not used: %+v", got)
	}
	t.Setenv("ATMQ_DEVICE_SECRET", "")

	// The same credentials reused 3 hours later: the timestamp is stale.
	got, _ = analyzeCreds(t, aliyunSerialLog("2023-11-15T01:14"))
	if e := got["credential-expired"]; e.Severity != "warning" || !strings.Contains(e.Explanation, "3 h before the connect") {
		t.Errorf("stale timestamp finding %+v", got)
	}
}

// A Quectel module signing Aliyun credentials itself (AT+QMTCFG="aliauth"):
// the secret it signs with is compared with the one given; neither the
// given secret nor, with --redact, the log's appears in the output.
func TestAnalyzeAliauthSecretDiffers(t *testing.T) {
	t.Setenv("ATMQ_DEVICE_SECRET", "")
	const logSecret, given = "LogDeviceSecret0123456789abcdefX", "GivenDeviceSecret0123456789abcdX"
	log := "# atmq-serial v1\n" +
		`2026-11-26T05:00:00.000Z > AT+QMTCFG="aliauth",0,"a1X2bEnP82z","example1","` + logSecret + `"\r` + "\n" +
		`2026-11-26T05:00:00.010Z < \r\nOK\r\n` + "\n" +
		`2026-11-26T05:00:01.000Z > AT+QMTOPEN=0,"iot-as-mqtt.cn-shanghai.aliyuncs.com",1883\r` + "\n" +
		`2026-11-26T05:00:01.010Z < \r\nOK\r\n` + "\n" +
		`2026-11-26T05:00:01.300Z < \r\n+QMTOPEN: 0,0\r\n` + "\n" +
		`2026-11-26T05:00:02.000Z > AT+QMTCONN=0,"example1"\r` + "\n" +
		`2026-11-26T05:00:02.010Z < \r\nOK\r\n` + "\n" +
		`2026-11-26T05:00:02.300Z < \r\n+QMTCONN: 0,0,4\r\n` + "\n"
	got, out := analyzeCreds(t, log, "--device-secret", given, "--redact")
	s, ok := got["credential-signature"]
	if !ok || s.Line != 7 || !strings.Contains(s.Explanation, `AT+QMTCFG set on line 2`) {
		t.Fatalf("no credential-signature about the aliauth secret: %+v", got)
	}
	if _, ok := got["no-credentials"]; ok {
		t.Errorf("no-credentials for a module that signs its own credentials: %+v", got["no-credentials"])
	}
	if strings.Contains(out, given) || strings.Contains(out, logSecret) {
		t.Fatal("a device secret is printed")
	}
	// The same secret: nothing to say.
	if got, _ = analyzeCreds(t, log, "--device-secret", logSecret); got["credential-signature"].Code != "" {
		t.Errorf("the same secret called different: %+v", got["credential-signature"])
	}
}
