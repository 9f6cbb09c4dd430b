package capture

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/record"
)

// An AT script ("atmq-script") drives a module from a file, one item a
// line:
//
//	# comment (also blank lines)
//	AT+ECMTOPEN=0,"test.mosquitto.org",1883
//	@sleep 2s            pause
//	@timeout 10s         wait at most this long for each final result (OK, ERROR, +CME ERROR, +CMS ERROR); default 10s
//	@urc-timeout 60s     wait at most this long for each result URC; default 60s
//	@wait +CEREG: 1 [30s] wait for a module line starting with this text, received since the last command was sent
//	@nowait              the next command does not wait for its result URC
//	@data {"t":1}\x1a    wait for the module's "> " prompt, then send these bytes (escapes as in atmq-serial: \r \n \t \\ \xNN)
//	@eol cr|crlf|lf      line ending sent after each command; default cr (V.250 S3)
//	@onerror stop|continue  what an ERROR or a timeout does; default stop
//
// A command waits for its final result; an MQTT command of a known
// dialect (ECMT, QMT, CMQTT, ESP-AT, Luat, u-blox UMQTTC) that reports
// its outcome later then waits for its result URC (ResultURCPrefixes):
// AT+ECMTCONN=… waits for "+ECMTCONN:", Luat AT+MIPSTART=… for "CONNECT
// OK", "ALREADY CONNECT" or "CONNECT FAIL". A result line that came
// before the final result counts (ESP-AT +MQTTCONNECTED:). A command
// followed by @data lines waits for the prompt first, sends the data,
// then waits for its results.

// StepKind says what a script step does.
type StepKind int

const (
	StepCommand StepKind = iota // send Text + EOL, wait for final result (and URC)
	StepSleep                   // pause for Timeout
	StepWait                    // wait up to Timeout for a module line starting with Text
	StepData                    // wait for the "> " prompt, then send Data
)

// Step is one executable line of a script.
type Step struct {
	Line       int // 1-based line in the script file
	Kind       StepKind
	Text       string        // command (without EOL), or the line prefix to wait for
	Data       []byte        // StepData: bytes to send; StepCommand: the command and its EOL
	URC        string        // StepCommand: result URC prefix to wait for after the final result, "" for none
	AltURCs    []string      // StepCommand: other result lines that end the wait too (Luat "CONNECT FAIL", ESP-AT "+MQTTDISCONNECTED:")
	Timeout    time.Duration // final-result timeout, sleep or wait duration
	URCTimeout time.Duration
	StopOnErr  bool
}

// Script is a parsed AT script.
type Script struct {
	Name  string
	Steps []Step
}

// Default script timeouts.
const (
	DefaultResultTimeout = 10 * time.Second
	DefaultURCTimeout    = 60 * time.Second
)

// maxScriptLine bounds one script line.
const maxScriptLine = 64 << 10

// ParseScript reads a script; errors name the file and line.
func ParseScript(r io.Reader, name string) (*Script, error) {
	s := &Script{Name: name}
	timeout, urcTimeout := DefaultResultTimeout, DefaultURCTimeout
	eol := "\r"
	stop := true
	noWait := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxScriptLine)
	n := 0
	errf := func(format string, a ...any) error {
		return fmt.Errorf("%s line %d: %s", name, n, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		n++
		line := strings.TrimSpace(strings.TrimSuffix(sc.Text(), "\r"))
		if line == "" || line[0] == '#' {
			continue
		}
		if line[0] != '@' {
			if !strings.HasPrefix(strings.ToUpper(line), "AT") && !strings.HasPrefix(strings.ToUpper(line), "A/") {
				return nil, errf("%q is neither a command (AT…) nor a directive (@…)", line)
			}
			st := Step{Line: n, Kind: StepCommand, Text: line, Data: []byte(line + eol),
				Timeout: timeout, URCTimeout: urcTimeout, StopOnErr: stop}
			if p := ResultURCPrefixes(line); len(p) > 0 && !noWait {
				st.URC = p[0]
				if len(p) > 1 {
					st.AltURCs = p[1:]
				}
			}
			noWait = false
			s.Steps = append(s.Steps, st)
			continue
		}
		word, arg, _ := strings.Cut(line[1:], " ")
		arg = strings.TrimSpace(arg)
		switch strings.ToLower(word) {
		case "sleep", "timeout", "urc-timeout":
			d, err := time.ParseDuration(arg)
			if err != nil || d < 0 {
				return nil, errf("@%s wants a duration like 500ms or 2s, got %q", word, arg)
			}
			switch strings.ToLower(word) {
			case "sleep":
				s.Steps = append(s.Steps, Step{Line: n, Kind: StepSleep, Timeout: d})
			case "timeout":
				timeout = d
			default:
				urcTimeout = d
			}
		case "wait":
			if arg == "" {
				return nil, errf("@wait wants the start of a line, e.g. @wait +ECMTCONN:")
			}
			d := urcTimeout
			if i := strings.LastIndexByte(arg, ' '); i > 0 {
				if v, err := time.ParseDuration(arg[i+1:]); err == nil {
					d, arg = v, strings.TrimSpace(arg[:i])
				}
			}
			s.Steps = append(s.Steps, Step{Line: n, Kind: StepWait, Text: arg, Timeout: d, StopOnErr: stop})
		case "nowait":
			noWait = true
		case "data":
			if len(s.Steps) == 0 || s.Steps[len(s.Steps)-1].Kind != StepCommand {
				return nil, errf("@data must follow the command that prompts for it")
			}
			b, err := record.Unescape([]byte(arg))
			if err != nil {
				return nil, errf("@data: %v", err)
			}
			s.Steps = append(s.Steps, Step{Line: n, Kind: StepData, Data: b, Timeout: timeout, StopOnErr: stop})
		case "eol":
			switch strings.ToLower(arg) {
			case "cr":
				eol = "\r"
			case "crlf":
				eol = "\r\n"
			case "lf":
				eol = "\n"
			default:
				return nil, errf("@eol wants cr, crlf or lf, got %q", arg)
			}
		case "onerror":
			switch strings.ToLower(arg) {
			case "stop":
				stop = true
			case "continue":
				stop = false
			default:
				return nil, errf("@onerror wants stop or continue, got %q", arg)
			}
		default:
			return nil, errf("unknown directive @%s (known: sleep, timeout, urc-timeout, wait, nowait, data, eol, onerror)", word)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s line %d: %w", name, n+1, err)
	}
	return s, nil
}

// ResultURCPrefix is the result URC a command waits for after its final
// result, or "" when it has none: the first of ResultURCPrefixes.
func ResultURCPrefix(cmd string) string {
	if p := ResultURCPrefixes(cmd); len(p) > 0 {
		return p[0]
	}
	return ""
}

// ResultURCPrefixes are the beginnings of the module lines that report a
// command's outcome after (or just before) its final result; any one ends
// the wait. They come from decode/at's dialect registry (ECMT, QMT,
// CMQTT, ESP-AT, Luat), so the script runner and the log decoder agree on
// which commands answer later; u-blox UMQTTC is not in that registry yet.
func ResultURCPrefixes(cmd string) []string {
	if isUbloxMQTTCommand(cmd) {
		return []string{"+UUMQTTC:"}
	}
	return at.ResultURCPrefixes(cmd)
}

// isUbloxMQTTCommand reports an AT+UMQTTC=<op>[,…] call: u-blox SARA/LARA
// answer "+UMQTTC: <op>,1" and OK at once and report the outcome later in
// "+UUMQTTC: <op>,<result>". decode/at has no u-blox dialect, so this one
// command is known here; read and test forms have no such URC.
func isUbloxMQTTCommand(cmd string) bool {
	up := strings.ToUpper(strings.TrimSpace(cmd))
	rest, ok := strings.CutPrefix(up, "AT+UMQTTC")
	if !ok {
		return false
	}
	return rest == "" || (rest[0] == '=' && !strings.HasPrefix(rest, "=?"))
}
