//go:build linux

package netcap_test

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
	"github.com/atmq/atmq/internal/mosquittotest"
	"github.com/atmq/atmq/internal/tlstest"
)

// TestTLSDecryptionLive: Go crypto/tls clients write a key log while
// they speak MQTT to mosquitto over TLS 1.2 (AES-GCM, ChaCha20-Poly1305)
// and TLS 1.3 (AES-GCM, ChaCha20-Poly1305); the loopback capture,
// decrypted with that key log, shows the MQTT packets — the same ones,
// frame by frame, as tshark shows with the same key log (when tshark is
// installed).
func TestTLSDecryptionLive(t *testing.T) {
	if testing.Short() {
		t.Skip("starts brokers and captures")
	}
	l := tlstest.NewLab(t)
	chacha13 := mosquittotest.Start(t, mosquittotest.Config{Extra: append(append([]string(nil), l.Listener...),
		"ciphers_tls1.3 TLS_CHACHA20_POLY1305_SHA256")})
	cases := []struct {
		name   string
		broker *mosquittotest.Broker
		cfg    *tls.Config
		suite  uint16
	}{
		{"TLS 1.2 AES-128-GCM", l.Plain, &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
		{"TLS 1.2 AES-256-GCM", l.Plain, &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}}, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
		{"TLS 1.2 ChaCha20-Poly1305", l.Plain, &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256},
		{"TLS 1.3 AES-GCM", l.Plain, &tls.Config{MinVersion: tls.VersionTLS13}, 0},
		{"TLS 1.3 ChaCha20-Poly1305", chacha13, &tls.Config{MinVersion: tls.VersionTLS13}, tls.TLS_CHACHA20_POLY1305_SHA256},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var keylog bytes.Buffer
			cfg := tc.cfg.Clone()
			cfg.ServerName, cfg.RootCAs, cfg.KeyLogWriter = "localhost", l.CA.Pool(), &keylog
			_, frames := tlstest.CaptureFrames(t, tc.broker, func(addr string) {
				if err := tlstest.DialMQTT(addr, cfg); err != nil {
					t.Fatal(err)
				}
			})
			keys, err := netcap.ParseKeyLog("key log", bytes.NewReader(keylog.Bytes()))
			if err != nil || keys.Len() != 1 {
				t.Fatalf("key log: %d sessions, %v", keys.Len(), err)
			}
			port := uint16(tc.broker.Port)
			var got []string
			var suite uint16
			dec := netcap.NewDecoder(netcap.Options{TLSPorts: []uint16{port}, TLSKeys: keys}, func(r netcap.Record) {
				switch {
				case r.Kind == netcap.KindPacket:
					got = append(got, fmt.Sprintf("%d:%d", r.Frame, r.Packet.Type))
				case r.Event.Type == netcap.EventTLSServerHello:
					suite = r.Event.TLS.Suite
				}
			})
			for _, f := range frames {
				dec.Frame(f)
			}
			dec.Flush()
			if tc.suite != 0 && suite != tc.suite {
				t.Fatalf("negotiated %s, want %s", netcap.SuiteName(suite), netcap.SuiteName(tc.suite))
			}
			var types []string
			for _, g := range got {
				types = append(types, g[strings.IndexByte(g, ':')+1:])
			}
			// CONNECT, CONNACK, PUBLISH, DISCONNECT
			if strings.Join(types, " ") != "1 2 3 14" {
				t.Fatalf("decrypted packets %v, want CONNECT, CONNACK, PUBLISH, DISCONNECT", got)
			}
			if want, ok := tsharkMQTT(t, frames, keylog.Bytes(), port); ok && (len(want) == 0 || strings.Join(want, " ") != strings.Join(got, " ")) {
				t.Errorf("atmq %v, tshark %v", got, want)
			}
		})
	}
}

// tsharkMQTT decrypts the frames with tshark and lists "frame:msgtype";
// ok is false when tshark is not installed.
func tsharkMQTT(t *testing.T, frames []record.Frame, keylog []byte, port uint16) ([]string, bool) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark not installed: the comparison with it is skipped")
		return nil, false
	}
	dir := t.TempDir()
	pcap, keys := filepath.Join(dir, "c.pcap"), filepath.Join(dir, "keys.txt")
	f, err := os.Create(pcap)
	if err != nil {
		t.Fatal(err)
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, fr := range frames {
		ci := gopacket.CaptureInfo{Timestamp: fr.Time, CaptureLength: len(fr.Data), Length: fr.OrigLen}
		if err := w.WritePacket(ci, fr.Data); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	if err := os.WriteFile(keys, keylog, 0o600); err != nil {
		t.Fatal(err)
	}
	p := strconv.Itoa(int(port))
	out, err := exec.Command("tshark", "-r", pcap, "-o", "tls.keylog_file:"+keys, "-d", "tcp.port=="+p+",tls",
		"-d", "tls.port=="+p+",mqtt", "-Y", "mqtt", "-T", "fields", "-e", "frame.number", "-e", "mqtt.msgtype").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		c := strings.Split(line, "\t")
		if len(c) != 2 {
			continue
		}
		for _, typ := range strings.Split(c[1], ",") {
			rows = append(rows, c[0]+":"+typ)
		}
	}
	return rows, true
}
