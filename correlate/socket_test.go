package correlate

import (
	"testing"
	"time"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/record"
)

// uart builds a two-direction UART recording, one step apart each.
type uart struct {
	chunks []record.SerialChunk
	t      time.Time
}

func (u *uart) at(d time.Duration) *uart { u.t = u.t.Add(d); return u }
func (u *uart) host(b ...[]byte) *uart   { return u.add(record.DirHostToModule, b) }
func (u *uart) mod(b ...[]byte) *uart    { return u.add(record.DirModuleToHost, b) }
func (u *uart) add(d record.Direction, b [][]byte) *uart {
	if u.t.IsZero() {
		u.t = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	u.t = u.t.Add(10 * time.Millisecond)
	var data []byte
	for _, x := range b {
		data = append(data, x...)
	}
	u.chunks = append(u.chunks, record.SerialChunk{Time: u.t, Dir: d, Data: data})
	return u
}

func (u *uart) analyze(t *testing.T) *Result {
	t.Helper()
	l, err := at.ReadChunks(u.chunks, at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(l, nil, Options{})
}

var (
	sockConnect = []byte{0x10, 0x10, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 15, 0, 4, 'd', 'e', 'v', '1'} // keepalive 15 s
	sockConnack = func(rc byte) []byte { return []byte{0x20, 0x02, 0, rc} }
)

// openSIM800 opens link 0 and sends the CONNECT.
func openSIM800(u *uart) *uart {
	u.host([]byte("AT+CIPSTART=0,\"TCP\",\"127.0.0.1\",1883\r\n")).mod([]byte("\r\nOK\r\n\r\n0, CONNECT OK\r\n"))
	u.host([]byte("AT+CIPSEND=0,18\r\n")).mod([]byte("\r\n> ")).host(sockConnect).mod([]byte("\r\n0, SEND OK\r\n"))
	return u
}

func socketFindings(r *Result) map[string]Finding {
	m := map[string]Finding{}
	for _, f := range r.Findings {
		m[f.Code] = f
	}
	return m
}

func TestSocketConnackRefused(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(5), []byte("\r\n")).mod([]byte("\r\n0, CLOSED\r\n"))
	fs := socketFindings(u.analyze(t))
	f, ok := fs[CodeConnackRefused]
	if !ok || f.ConnackCode == nil || *f.ConnackCode != 5 || f.Severity != SeverityError {
		t.Fatalf("findings %+v", fs)
	}
	if _, ok := fs[CodeKeepaliveTimeout]; ok {
		t.Errorf("keepalive-timeout on a refused connect: %+v", fs)
	}
}

func TestSocketKeepaliveNeverHonoured(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(0), []byte("\r\n"))
	// 15 s keepalive: the host stays silent, the broker closes after 22.5 s.
	u.at(23 * time.Second).mod([]byte("\r\n0, CLOSED\r\n"))
	fs := socketFindings(u.analyze(t))
	if f, ok := fs[CodeKeepaliveTimeout]; !ok || f.Severity != SeverityError {
		t.Fatalf("findings %+v", fs)
	}
	if _, ok := fs[CodeConnackRefused]; ok {
		t.Errorf("refused on an accepted connect")
	}
}

func TestSocketPingsKeepSessionHealthy(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(0), []byte("\r\n"))
	for i := 0; i < 3; i++ {
		u.at(14 * time.Second).host([]byte("AT+CIPSEND=0,2\r\n")).mod([]byte("\r\n> ")).host([]byte{0xc0, 0}).mod([]byte("\r\n0, SEND OK\r\n"))
		u.mod([]byte("\r\n+IPD,2:"), []byte{0xd0, 0}, []byte("\r\n"))
	}
	u.host([]byte("AT+CIPCLOSE=0\r\n")).mod([]byte("\r\n0, CLOSE OK\r\n"))
	r := u.analyze(t)
	for _, f := range r.Findings {
		if f.Severity == SeverityError || f.Severity == SeverityWarning {
			t.Errorf("finding on a healthy session: %+v", f)
		}
	}
}

func TestSocketPublishBeyondSendBuffer(t *testing.T) {
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(0), []byte("\r\n"))
	u.host([]byte("AT+CIPSEND=0,2000\r\n")).mod([]byte("\r\nERROR\r\n"))
	u.host([]byte("AT+CIPSEND=0,2\r\n")).mod([]byte("\r\n> ")).host([]byte{0xc0, 0}).mod([]byte("\r\n0, SEND FAIL\r\n"))
	fs := socketFindings(u.analyze(t))
	if f, ok := fs[CodePublishTooLarge]; !ok || f.Severity != SeverityError {
		t.Errorf("findings %+v", fs)
	}
	if f, ok := fs[CodeSendFailed]; !ok || f.Severity != SeverityError {
		t.Errorf("findings %+v", fs)
	}
}
