package correlate

import (
	"strings"
	"testing"

	"github.com/atmq/atmq/decode/at"
)

func TestClientStateTiedToTheLog(t *testing.T) {
	// PubSubClient's mqtt_basic example: the open gets no CONNECT OK.
	text := "AT+CIPSTART=\"TCP\",\"broker.example\",\"1883\"\r\nOK\r\n" +
		"Attempting MQTT connection...failed, rc=-2 try again in 5 seconds\r\nWiFi state: 0\r\n"
	l, err := at.ReadLog(strings.NewReader(text), at.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := socketFindings(Analyze(l, nil, Options{}))
	f, ok := fs[CodeClientState]
	if !ok || !strings.Contains(f.Summary, "MQTT_CONNECT_FAILED") || !strings.Contains(f.Explanation, "line 1 got no result") || f.Line != 3 {
		t.Fatalf("findings %+v", fs)
	}
	var states int
	for _, e := range l.Events {
		if e.Name == at.ClientStateEvent {
			states++
		}
	}
	if states != 1 {
		t.Errorf("%d client state events (\"WiFi state: 0\" is none)", states)
	}

	// rc=5 after the broker's CONNACK 5.
	u := openSIM800(&uart{})
	u.mod([]byte("\r\n+IPD,4:"), sockConnack(5), []byte("\r\n")).mod([]byte("failed, rc=5 try again in 5 seconds\r\n"))
	fs = socketFindings(u.analyze(t))
	if f, ok := fs[CodeClientState]; !ok || !strings.Contains(f.Explanation, "carries return code 5") {
		t.Errorf("findings %+v", fs)
	}
}
