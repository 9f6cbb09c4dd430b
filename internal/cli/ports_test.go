package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/atmq/atmq/capture"
)

func TestPortsTable(t *testing.T) {
	list := func() ([]capture.PortInfo, error) {
		return []capture.PortInfo{
			{Name: "/dev/ttyS0"},
			{Name: "/dev/ttyUSB0", USB: true, VID: "1A86", PID: "7523", Manufacturer: "QinHeng Electronics", Product: "USB Serial"},
		}, nil
	}
	var out bytes.Buffer
	if err := runPorts(portsOptions{}, list, Streams{Out: &out}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/dev/ttyS0", "/dev/ttyUSB0", "1a86:7523", "QinHeng Electronics", "USB Serial"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if err := runPorts(portsOptions{JSON: true}, list, Streams{Out: &out}); err != nil {
		t.Fatal(err)
	}
	var got []capture.PortInfo
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got) != 2 || got[1].VID != "1A86" || !got[1].USB {
		t.Errorf("JSON %s: %v", out.String(), err)
	}
}

func TestPortsEmptyAndError(t *testing.T) {
	none := func() ([]capture.PortInfo, error) { return nil, nil }
	var out bytes.Buffer
	runPorts(portsOptions{}, none, Streams{Out: &out})
	if strings.TrimSpace(out.String()) != "no serial ports found" {
		t.Errorf("empty table: %q", out.String())
	}
	out.Reset()
	runPorts(portsOptions{JSON: true}, none, Streams{Out: &out})
	if strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("empty JSON: %q", out.String())
	}
	failing := func() ([]capture.PortInfo, error) { return nil, errors.New("list serial ports: boom") }
	if err := runPorts(portsOptions{}, failing, Streams{Out: &out}); err == nil {
		t.Error("error swallowed")
	}
}

// TestPortsOnThisMachine runs the real command: it must succeed with or
// without serial ports.
func TestPortsOnThisMachine(t *testing.T) {
	var out, errw bytes.Buffer
	if code := Main([]string{"ports", "--json"}, nil, &out, &errw); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errw.String())
	}
	var got []capture.PortInfo
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%q: %v", out.String(), err)
	}
}
