package correlate

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

// A findings checker runs alone on the phase values it reads: here the
// intent checker on a pairing given by hand, with no clock and no device
// choice. The retain flag is read as the dialect writes it (ECMT packs
// retain + 10 × RAI into one field).
func TestIntentCheckAlone(t *testing.T) {
	for _, c := range []struct {
		retain   string
		mismatch bool
	}{{"10", false}, {"0", false}, {"11", true}, {"1", true}} {
		l := newLog(0)
		l.untime = true
		b := &capBuilder{}
		l.cmd(2, `AT+ECMTPUB=0,5,1,`+c.retain+`,"dev1/up","hi"`, at.OpPublish,
			args(at.ArgConn, "0", at.ArgMsgID, "5", at.ArgQoS, "1", at.ArgRetain, c.retain, at.ArgTopic, "dev1/up", at.ArgPayload, "hi"),
			"OK", 2.06, "+ECMTPUB: 0,5,0", args(at.ArgConn, "0", at.ArgMsgID, "5", at.ArgResult, "0"))
		b.pkt(2.02, devConn, true, publish("dev1/up", "hi", 1, 5))
		ev := evidence{newInputs(&l.log, Options{}), indexCapture(b.recs)}
		pr := &pairing{txRecs: [][]int{{0}}} // the command caused record 0
		fs := &findingSet{}
		(&intentCheck{pairedRecords{ev, pr}, fs}).diagnoseIntent()
		if got := fs.has(CodePublishMismatch, 0); got != c.mismatch {
			t.Errorf("retain %s against a PUBLISH without retain: publish-mismatch %v, want %v (%+v)", c.retain, got, c.mismatch, fs.findings)
		}
	}
}

// No struct in correlate carries the whole analysis: none holds (itself
// or through the structs it holds) every phase's value. The findings
// phase is checkers, each given what it reads.
func TestNoStructHoldsEveryPhase(t *testing.T) {
	phases := []string{"inputs", "captureIndex", "clockEstimate", "deviceChoice", "pairing", "findingSet"}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string][]string{} // struct name → type names of its fields
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, fl := range st.Fields.List {
				ast.Inspect(fl.Type, func(n ast.Node) bool {
					if id, ok := n.(*ast.Ident); ok {
						fields[ts.Name.Name] = append(fields[ts.Name.Name], id.Name)
					}
					return true
				})
			}
			return true
		})
	}
	var reach func(name string, seen map[string]bool)
	reach = func(name string, seen map[string]bool) {
		for _, f := range fields[name] {
			if !seen[f] {
				seen[f] = true
				reach(f, seen)
			}
		}
	}
	if len(fields["pairedEvidence"]) == 0 || len(fields["findingSet"]) == 0 {
		t.Fatalf("the phase types moved: %v", fields)
	}
	for name := range fields {
		seen := map[string]bool{}
		reach(name, seen)
		all := true
		for _, p := range phases {
			all = all && seen[p]
		}
		if all {
			t.Errorf("struct %s holds every phase's value (%s)", name, strings.Join(phases, ", "))
		}
	}
}
