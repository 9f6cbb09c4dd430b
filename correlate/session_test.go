package correlate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/netcap"
	"github.com/atmq/atmq/decode/record"
)

// simLog records a simulated session's serial side as serial.atmq.
func simLog(seconds float64, d *simDevice) []byte {
	buf := []byte("# atmq-serial v1\n")
	d.run(seconds, func(c record.SerialChunk) {
		buf = record.AppendSerialRecord(buf, c)
	}, func(netcap.Record) {}, 0, nil)
	return buf
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A log read through a session that settles every few hundred items gives
// the result Analyze gives on the whole log.
func TestSessionWholeLogMatchesAnalyze(t *testing.T) {
	log := simLog(80, &simDevice{Rate: 20, FailEvery: 97})
	whole, err := at.ReadLog(bytes.NewReader(log), at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := Analyze(whole, nil, Options{})

	var settled bytes.Buffer
	s, err := NewSession(SessionOptions{MaxItems: 200, KeepSettled: true, SettledTo: &settled})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReadSerial(bytes.NewReader(log), at.Options{}); err != nil {
		t.Fatal(err)
	}
	got := s.Close()
	if n := len(s.txs) + len(s.evs); n > 200 {
		t.Errorf("the session holds %d serial items, want at most 200", n)
	}
	if len(want.Transactions) < 1500 {
		t.Fatalf("only %d transactions in the simulated log", len(want.Transactions))
	}
	if g, w := asJSON(t, got.Transactions), asJSON(t, want.Transactions); g != w {
		t.Errorf("transactions differ:\n%s", firstDiff(g, w))
	}
	if g, w := asJSON(t, got.Timeline), asJSON(t, want.Timeline); g != w {
		t.Errorf("timeline differs:\n%s", firstDiff(g, w))
	}
	if g, w := asJSON(t, got.Findings), asJSON(t, want.Findings); g != w {
		t.Errorf("findings differ:\n%s", firstDiff(g, w))
	}
	if !reflect.DeepEqual(got.Clock, want.Clock) {
		t.Errorf("clock %+v, want %+v", got.Clock, want.Clock)
	}
	// What was settled is on SettledTo, one JSON value a line.
	lines := strings.Split(strings.TrimSpace(settled.String()), "\n")
	var first SettledLine
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first.Transaction == nil || first.N != 1 {
		t.Errorf("first settled line %q (%v)", lines[0], err)
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			lo := max(i-3, 0)
			return "got:\n" + strings.Join(al[lo:min(i+4, len(al))], "\n") + "\nwant:\n" + strings.Join(bl[lo:min(i+4, len(bl))], "\n")
		}
	}
	return "lengths differ"
}

// A live session keeps a window: what lies behind it is settled and
// dropped, rows keep their session numbers, the device stays known from
// its settled connect, and every publish stays paired with its packets.
func TestSessionLiveWindow(t *testing.T) {
	s, err := NewSession(SessionOptions{Window: 20 * time.Second, KeepSettled: true, LeaveOutOthers: true})
	if err != nil {
		t.Fatal(err)
	}
	d := &simDevice{Rate: 20, BrokerRate: 40, Others: 20, FailEvery: 500}
	var last *Result
	maxItems := 0
	d.run(300, s.AddSerial, s.AddRecord, 5, func(float64) {
		last = s.Result()
		s.mu.Lock()
		maxItems = max(maxItems, len(s.txs)+len(s.evs)+len(s.recs))
		s.mu.Unlock()
	})
	// 20 s of 20 publishes/s, their packets and 40 other packets/s, and
	// up to a tick more: about 2,400 items at most, never the 18,000 seen.
	if maxItems > 3500 {
		t.Errorf("the window held up to %d items", maxItems)
	}
	if len(last.Transactions) == 0 || len(last.Transactions) > 600 {
		t.Errorf("the live result holds %d transactions", len(last.Transactions))
	}
	maxTx := 0
	for _, r := range last.Timeline {
		maxTx = max(maxTx, r.Tx)
	}
	if maxTx < 5900 {
		t.Errorf("the newest row is T%d, want its number in the session (about 5,980)", maxTx)
	}
	if !strings.Contains(last.Device.Reason, "dev1") || len(last.Device.Connections) != 1 {
		t.Errorf("device %+v", last.Device)
	}
	final := s.Close()
	failed, unpaired := 0, 0
	for _, tr := range final.Transactions {
		if tr.Op != string(at.OpPublish) {
			continue
		}
		if tr.Outcome == string(at.OutcomeFailed) {
			failed++
			continue
		}
		if len(tr.Frames) != 2 {
			unpaired++
		}
	}
	if failed != 11 || unpaired != 0 {
		t.Errorf("%d failed publishes (want 11), %d ok ones not paired with PUBLISH+PUBACK", failed, unpaired)
	}
	if n := len(final.Transactions); n != 2+5981 {
		t.Errorf("%d transactions in the whole session", n)
	}
	// Analyze on the whole session finds nothing (a refused publish is
	// the module's word, not a fault of the session); a window must not
	// invent findings from context it dropped (an open whose SYN was
	// settled, a publish whose connect was).
	for _, f := range final.Findings {
		t.Errorf("finding %s line %d: %s", f.Code, f.Line, f.Summary)
	}
}
