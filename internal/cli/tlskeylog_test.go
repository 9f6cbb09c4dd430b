package cli

import (
	"strings"
	"testing"
)

// TestPacketsTLSKeylog: --tls-keylog decrypts the 8883 session of a
// capture without keys; a pcapng carrying its keys needs no flag; a bad
// key log is a usage error naming the file and line.
func TestPacketsTLSKeylog(t *testing.T) {
	code, out, stderr := runMain("packets", "--json", "--tls-keylog", captures+"local_mqtt_tls8883.keylog.txt", captures+"local_mqtt_tls8883_nokeys.pcap")
	if code != 0 || strings.Count(out, "\n") != 10 || !strings.Contains(out, `"tls-client-311"`) {
		t.Fatalf("exit %d, %d lines: %s %s", code, strings.Count(out, "\n"), out, stderr)
	}
	if code, out, _ := runMain("packets", "--json", captures+"local_mqtt_tls8883_with_keylog_dsb.pcapng"); code != 0 || strings.Count(out, "\n") != 10 {
		t.Fatalf("DSB: exit %d: %s", code, out)
	}
	code, _, stderr = runMain("packets", "--tls-keylog", captures+"local_mqtt_tls8883_nokeys.source.txt", captures+"local_mqtt_tls8883_nokeys.pcap")
	if code != ExitUsage || !strings.Contains(stderr, "local_mqtt_tls8883_nokeys.source.txt line 1") {
		t.Fatalf("bad key log: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runMain("analyze", "--pcap", captures+"local_mqtt_tls8883_nokeys.pcap", "--tls-keylog", "/nonexistent/keys"); code != ExitUsage || !strings.Contains(stderr, "--tls-keylog") {
		t.Fatalf("analyze, missing key log: exit %d: %s", code, stderr)
	}
}
