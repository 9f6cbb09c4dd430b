package correlate

import (
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

// Capture only: a device resolves Huawei IoTDA's host name and sends a
// CONNECT in Huawei's form (HMAC-SHA256 of the secret keyed with
// 2026112604, computed with openssl dgst -sha256 -hmac); the platform
// recognised from the DNS answer, the signature checked with the secret
// given, which never shows in the result.
func huaweiCapture(pass string) *capBuilder {
	b := &capBuilder{}
	c := mkConn(1, "10.0.0.5:40000", "121.36.0.10:1883")
	b.dns(0.1, "iot-mqtts.cn-north-4.myhuaweicloud.com", false, 0)
	b.dns(0.2, "iot-mqtts.cn-north-4.myhuaweicloud.com", true, 0, "121.36.0.10")
	b.handshake(0.3, c)
	b.pkt(0.4, c, true, connectPkt("dev001_0_1_2026112604", "dev001", pass, 60, true))
	b.pkt(0.5, c, false, connack(4))
	return b
}

const hwSig = "f44a6d81ef0517602f6f713b4f532186b8af7a94496936b82949bb9c631cf57b"

func TestCredentialsCaptureOnly(t *testing.T) {
	b := huaweiCapture(hwSig)
	res := Analyze(nil, b.recs, Options{DeviceSecret: "HwSecret-0123456789"})
	f := findFinding(res, CodeCredentialVerified)
	if f == nil || !equalInts(f.Frames, []int{5}) || !strings.Contains(f.Explanation, "iot-mqtts.cn-north-4.myhuaweicloud.com") {
		t.Fatalf("no verified finding on frame 5 naming the host: %+v", f)
	}

	res = Analyze(nil, b.recs, Options{DeviceSecret: "OtherSecret-0123456789"})
	f = findFinding(res, CodeCredentialSignature)
	if f == nil || f.Severity != SeverityError || !equalInts(f.Frames, []int{5}) || !strings.Contains(f.Explanation, "2026112604") {
		t.Fatalf("no signature error on frame 5: %v", describeFindings(res))
	}
	for _, g := range res.Findings {
		if strings.Contains(g.Summary+g.Explanation+g.Fix, "OtherSecret-0123456789") {
			t.Fatalf("the secret is printed: %+v", g)
		}
	}

	// Without a secret: shape only; the password is the secret itself.
	res = Analyze(nil, huaweiCapture("HwSecret-0123456789").recs, Options{})
	if f = findFinding(res, CodeCredentialFormat); f == nil || !strings.Contains(f.Explanation, "64 hex digits") {
		t.Fatalf("no format finding: %v", describeFindings(res))
	}
}

// Capture only, Azure: the SAS token expired 3 h before the CONNECT
// (capture time 04:00:00.4; se = 01:00:00).
func TestCredentialsCaptureExpiredSAS(t *testing.T) {
	b := &capBuilder{}
	c := mkConn(1, "10.0.0.5:40000", "20.0.0.1:1883")
	b.handshake(0.3, c)
	b.pkt(0.4, c, true, connectPkt("dev1", "myhub.azure-devices.net/dev1/?api-version=2021-04-12",
		"SharedAccessSignature sr=myhub.azure-devices.net%2Fdevices%2Fdev1&sig=oqEOlltdgYIdzuGJanIBwr2YbFjHUgUz%2BZzjMCabcOA%3D&se=1795654800", 60, true))
	b.pkt(0.5, c, false, connack(5))
	res := Analyze(nil, b.recs, Options{})
	f := findFinding(res, CodeCredentialExpired)
	if f == nil || f.Severity != SeverityError || !strings.Contains(f.Explanation, "expired 3 h before the connect") || !equalInts(f.Frames, []int{3}) {
		t.Fatalf("no expiry finding: %v", describeFindings(res))
	}
	if !strings.Contains(f.Explanation, "the form of the credentials") {
		t.Errorf("platform not recognised from the shape: %s", f.Explanation)
	}
	// Plain TCP: IoT Hub wants TLS.
	if g := findFinding(res, CodeCredentialFormat); g == nil || !strings.Contains(g.Explanation, "only over TLS") {
		t.Errorf("no TLS finding: %v", describeFindings(res))
	}
}

// --device-secret is masked in every output string even without
// --redact (here it appears in the log's own aliauth command).
func TestDeviceSecretMasked(t *testing.T) {
	l := newLog(0)
	l.cmd(1, `AT+QMTCFG="aliauth",0,"pk","dn","TheDeviceSecret123"`, at.OpConfigure, args(at.ArgConn, "0", "device_secret", "TheDeviceSecret123"), "OK", 0, "", nil)
	res := Analyze(&l.log, nil, Options{DeviceSecret: "TheDeviceSecret123"})
	for _, tr := range res.Transactions {
		if strings.Contains(tr.Command, "TheDeviceSecret123") {
			t.Fatalf("secret shown: %q", tr.Command)
		}
	}
}

// Serial log and capture: the CONNECT on the wire is checked (once),
// with the connect command's line as evidence next to the frame.
func TestCredentialsSerialAndCapture(t *testing.T) {
	l := newLog(0)
	b := &capBuilder{}
	l.open(0, 0.1, "0")
	b.handshake(0.05, devConn)
	l.connect(1, 1.08, "dev001_0_1_2026112604", "dev001", hwSig, "4")
	b.pkt(1.03, devConn, true, connectPkt("dev001_0_1_2026112604", "dev001", hwSig, 120, true))
	b.pkt(1.05, devConn, false, connack(4))
	res := Analyze(&l.log, b.recs, Options{DeviceSecret: "OtherSecret-0123456789"})
	var sig []Finding
	for _, f := range res.Findings {
		if f.Code == CodeCredentialSignature {
			sig = append(sig, f)
		}
	}
	if len(sig) != 1 || sig[0].Line != 4 || !equalInts(sig[0].Frames, []int{3}) || !strings.Contains(sig[0].Explanation, "the CONNECT in frame 3") {
		t.Fatalf("want one signature finding on line 4, frame 3: %v %+v", describeFindings(res), sig)
	}
	// The log's time (the host's clock) puts the connect at 04:00:01:
	// within the hour the client id's timestamp names.
	if findFinding(res, CodeCredentialExpired) != nil {
		t.Errorf("timestamp called stale: %v", describeFindings(res))
	}
}

// A connect the platform accepted gets no credential error, whatever the
// rules say: the clock or the secret given may be off.
func TestCredentialsAcceptedNoError(t *testing.T) {
	b := &capBuilder{}
	c := mkConn(1, "10.0.0.5:40000", "121.36.0.10:1883")
	b.dns(0.2, "iot-mqtts.cn-north-4.myhuaweicloud.com", true, 0, "121.36.0.10")
	b.handshake(0.3, c)
	b.pkt(0.4, c, true, connectPkt("dev001_0_1_2026112604", "dev001", hwSig, 60, true))
	b.pkt(0.5, c, false, connack(0))
	res := Analyze(nil, b.recs, Options{DeviceSecret: "OtherSecret-0123456789"})
	f := findFinding(res, CodeCredentialSignature)
	if f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Explanation, "accepted") {
		t.Fatalf("want a warning: %v", describeFindings(res))
	}
	if res.HasErrors() {
		t.Errorf("errors on an accepted connect: %v", describeFindings(res))
	}
}
