package netcap

import (
	"strings"
	"testing"
)

// TestDecryptionSecretsBlock: the pcapng's Decryption Secrets Block is
// found and its one session decrypted (the packets themselves are
// compared with tshark's by TestGoldenAgainstTshark).
func TestDecryptionSecretsBlock(t *testing.T) {
	keys, err := ReadDecryptionSecrets("testdata/local_mqtt_tls8883_with_keylog_dsb.pcapng")
	if err != nil || keys.Len() != 1 {
		t.Fatalf("DSB: %d sessions, %v", keys.Len(), err)
	}
	if keys, err := ReadDecryptionSecrets("testdata/local_mqtt_tls8883_nokeys.pcap"); err != nil || keys.Len() != 0 {
		t.Fatalf("classic pcap: %d sessions, %v", keys.Len(), err)
	}
	st, err := ReadFile("testdata/local_mqtt_tls8883_with_keylog_dsb.pcapng", Options{}, func(Record) {})
	if err != nil || st.TLSDecrypted != 1 {
		t.Fatalf("stats %+v, %v", st, err)
	}
}

// TestKeyLogFileDecryptsLikeTshark: the same session captured without
// keys, decrypted with the NSS key log file, gives tshark's packets of
// the key-carrying capture packet by packet.
func TestKeyLogFileDecryptsLikeTshark(t *testing.T) {
	keys, err := ReadKeyLogFile("testdata/local_mqtt_tls8883.keylog.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got []goldenRow
	var closeNotify bool
	_, err = ReadFile("testdata/local_mqtt_tls8883_nokeys.pcap", Options{TLSKeys: keys}, func(r Record) {
		switch {
		case r.Kind == KindPacket:
			got = append(got, atmqRow(r))
		case r.Event.Type == EventTLSClose:
			closeNotify = r.Event.TLS.AlertName == "close_notify" && r.Frame == 26 && r.Event.By == "server"
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	compareGolden(t, "local_mqtt_tls8883_with_keylog_dsb", readGolden(t, "testdata/local_mqtt_tls8883_with_keylog_dsb.tshark.tsv"), got)
	if !closeNotify {
		t.Error("the decrypted close_notify of frame 26 was not reported by name")
	}
	// Without the keys nothing is decoded, and nothing is made up.
	n := 0
	if _, err := ReadFile("testdata/local_mqtt_tls8883_nokeys.pcap", Options{}, func(r Record) {
		if r.Kind == KindPacket {
			n++
		}
	}); err != nil || n != 0 {
		t.Fatalf("without keys: %d packets, %v", n, err)
	}
}

func TestKeyLogErrorsNameTheLineNotTheSecret(t *testing.T) {
	secret := strings.Repeat("ab", 47) + "zz"
	_, err := ParseKeyLog("keys.txt", strings.NewReader("# comment\nCLIENT_RANDOM "+strings.Repeat("00", 32)+" "+secret+"\n"))
	if err == nil || !strings.Contains(err.Error(), "keys.txt line 2") || strings.Contains(err.Error(), secret[:20]) {
		t.Fatalf("error %v", err)
	}
	if _, err := ParseKeyLog("keys.txt", strings.NewReader("not a key log\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("error %v", err)
	}
	k, err := ParseKeyLog("keys.txt", strings.NewReader("EXPORTER_SECRET "+strings.Repeat("00", 32)+" "+strings.Repeat("11", 32)+"\n"))
	if err != nil || k.Len() != 0 {
		t.Fatalf("unused labels: %d sessions, %v", k.Len(), err)
	}
}

// FuzzKeyLog: hostile key logs give an error or secrets, never a crash.
func FuzzKeyLog(f *testing.F) {
	f.Add("CLIENT_RANDOM " + strings.Repeat("00", 32) + " " + strings.Repeat("11", 48) + "\n")
	f.Add("# x\n\nSERVER_TRAFFIC_SECRET_0 zz 00\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseKeyLog("fuzz", strings.NewReader(s))
	})
}

// FuzzTLSHandshakeParsers: hostile handshake bytes (hellos, certificate
// lists, messages split anywhere) never crash the parsers.
func FuzzTLSHandshakeParsers(f *testing.F) {
	f.Add(clientHello("broker.example.com"))
	f.Add([]byte{2, 0, 0, 38, 3, 3})
	f.Add([]byte{11, 0, 0, 3, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseClientHello(b)
		parseServerHello(b)
		countCertificates(b, len(b))
		var h handshakeReader
		for len(b) > 0 {
			k := min(len(b), 1+int(b[0])%7)
			h.feed(b[:k], func(typ byte, msg []byte, size int) {
				if len(msg) > size || len(msg) > maxHandshakeKeep {
					t.Fatalf("message of %d bytes kept %d", size, len(msg))
				}
			})
			b = b[k:]
		}
	})
}
