package correlate

import (
	"fmt"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// diagnoseIntent compares what each command asked for with what the
// module put on the wire.
func (a *analysis) diagnoseIntent() {
	for ti := range a.txs {
		t := &a.txs[ti]
		switch t.Op {
		case at.OpConnect:
			if i := a.pairedPacket(ti, mqtt.CONNECT, true); i >= 0 {
				a.compareConnect(t, i)
			}
		case at.OpPublish:
			if i := a.pairedPacket(ti, mqtt.PUBLISH, true); i >= 0 {
				a.comparePublish(t, i)
			}
		}
	}
}

// pairedPacket returns the first record of type typ paired with
// transaction ti, or -1.
func (a *analysis) pairedPacket(ti int, typ mqtt.Type, fromClient bool) int {
	for _, i := range a.txRecs[ti] {
		if a.isPacket(i, typ, fromClient) {
			return i
		}
	}
	return -1
}

// mismatch adds an intent-vs-wire finding.
func (a *analysis) mismatch(code string, t *at.Transaction, rec int, summary, expl, fix string) {
	a.add(Finding{
		Code: code, Severity: SeverityWarning, Line: t.Line, Frames: a.frames([]int{rec}),
		Summary: summary, Explanation: expl, Fix: fix,
	})
}

func (a *analysis) compareConnect(t *at.Transaction, rec int) {
	p := a.recs[rec].Packet
	d, idx := a.dialectOf(t), connIndex(t)
	frame := a.recs[rec].Frame
	if cid, ok := arg(t.Args, at.ArgClientID); ok && cid != p.ClientID {
		a.mismatch(CodeClientIDMismatch, t, rec,
			"the CONNECT's client id differs from the command's",
			fmt.Sprintf("client id: %s (frame %d)", valueDiff(cid, p.ClientID, true), frame),
			"keep the client id within the module's limit and free of characters it re-escapes")
	}
	user, hasUser := arg(t.Args, at.ArgUsername)
	pass, hasPass := arg(t.Args, at.ArgPassword)
	if !a.has(CodeCredentialsMismatch, t.Line) {
		// Empty strings in the command and no field on the wire agree.
		wu := hasUser && !(user == "" && !p.UsernameFlag)
		wp := hasPass && !(pass == "" && !p.PasswordFlag)
		if f, ok := credentialsDiff(p, user, wu, pass, wp); ok {
			a.mismatch(CodeCredentialsMismatch, t, rec, f.Summary, f.Explanation+fmt.Sprintf(" (frame %d)", frame), credentialsFix(d, idx, p, user, pass))
		}
	}
	cfg := t.Config
	if cfg == nil {
		cfg = &at.ConnConfig{}
	}
	// Version: the command's own argument, else the configure commands'.
	wantV, setV := 0, false
	if v, ok := intArg(t.Args, at.ArgVersion); ok {
		wantV, setV = v, true
	} else if cfg.Version != nil {
		wantV, setV = *cfg.Version, true
	}
	if setV && wantV != int(p.ProtocolLevel) {
		a.mismatch(CodeVersionMismatch, t, rec,
			fmt.Sprintf("the module sent MQTT %s though MQTT %s was configured", versionName(int(p.ProtocolLevel)), versionName(wantV)),
			fmt.Sprintf("protocol level: configured %d, wire %d (protocol name %q, frame %d)", wantV, p.ProtocolLevel, p.ProtocolName, frame),
			"configure the version on the same connection index before the connect command: "+d.FixVersion(idx, at.MQTTVersion(wantV)))
	}
	if !setV {
		if dv := int(d.DefaultVersion()); dv != 0 && dv != int(p.ProtocolLevel) {
			a.add(Finding{
				Code: CodeVersionMismatch, Severity: SeverityInfo, Line: t.Line, Frames: a.frames([]int{rec}),
				Summary: fmt.Sprintf("no version was configured; the module sent MQTT %s, not the documented %s default %s",
					versionName(int(p.ProtocolLevel)), d.Label(), versionName(dv)),
				Explanation: fmt.Sprintf("protocol level on the wire %d (frame %d); this firmware's default differs from the one documented for the dialect, so set the version explicitly to be independent of it", p.ProtocolLevel, frame),
				Fix:         d.FixVersion(idx, at.MQTTVersion(p.ProtocolLevel)),
			})
		}
	}
	wantKA, setKA := 0, false
	if v, ok := intArg(t.Args, at.ArgKeepAlive); ok {
		wantKA, setKA = v, true
	} else if cfg.KeepAlive != nil {
		wantKA, setKA = *cfg.KeepAlive, true
	}
	if setKA && wantKA != int(p.KeepAlive) {
		a.mismatch(CodeKeepaliveMismatch, t, rec,
			fmt.Sprintf("the CONNECT's keepalive is %d s, %d s was configured", p.KeepAlive, wantKA),
			fmt.Sprintf("keepalive: configured %d s, wire %d s (frame %d)", wantKA, p.KeepAlive, frame),
			"configure the keepalive on the same connection index before the connect command: "+d.FixKeepAlive(idx, wantKA))
	}
	var wantClean *bool
	if v, ok := intArg(t.Args, at.ArgCleanSession); ok {
		b := v != 0
		wantClean = &b
	} else if cfg.CleanSession != nil {
		wantClean = cfg.CleanSession
	}
	if wantClean != nil && *wantClean != p.CleanSession {
		a.mismatch(CodeCleanSessionMismatch, t, rec,
			fmt.Sprintf("the CONNECT's clean session is %s, %s was configured", onOff(p.CleanSession), onOff(*wantClean)),
			fmt.Sprintf("clean session: configured %s, wire %s (frame %d)", onOff(*wantClean), onOff(p.CleanSession), frame),
			"configure the session on the same connection index before the connect command: "+d.FixSession(idx, *wantClean))
	}
	a.compareWill(t, rec, cfg)
}

func (a *analysis) compareWill(t *at.Transaction, rec int, cfg *at.ConnConfig) {
	p := a.recs[rec].Packet
	topic, hasTopic := arg(t.Args, at.ArgWillTopic)
	if !hasTopic && cfg.WillTopic != nil {
		topic, hasTopic = *cfg.WillTopic, true
	}
	if !hasTopic || topic == "" {
		return
	}
	var diffs []string
	if !p.WillFlag {
		diffs = append(diffs, fmt.Sprintf("a will on %q was configured but the CONNECT carries no will", topic))
	} else {
		if p.WillTopic != topic {
			diffs = append(diffs, "will topic: "+valueDiff(topic, p.WillTopic, true))
		}
		payload, hasPayload := arg(t.Args, at.ArgWillPayload)
		if !hasPayload && cfg.WillPayload != nil {
			payload, hasPayload = *cfg.WillPayload, true
		}
		if hasPayload && payload != string(p.WillPayload) {
			diffs = append(diffs, "will message: "+valueDiff(payload, string(p.WillPayload), true))
		}
		if cfg.WillQoS != nil && *cfg.WillQoS != int(p.WillQoS) {
			diffs = append(diffs, fmt.Sprintf("will QoS: configured %d, wire %d", *cfg.WillQoS, p.WillQoS))
		}
		if cfg.WillRetain != nil && *cfg.WillRetain != p.WillRetain {
			diffs = append(diffs, fmt.Sprintf("will retain: configured %s, wire %s", onOff(*cfg.WillRetain), onOff(p.WillRetain)))
		}
	}
	if len(diffs) > 0 {
		a.mismatch(CodeWillMismatch, t, rec, "the CONNECT's will differs from the configured one",
			strings.Join(diffs, "; "), "configure the will on the same connection index before the connect command, within the module's length limits")
	}
}

func (a *analysis) comparePublish(t *at.Transaction, rec int) {
	p := a.recs[rec].Packet
	var diffs []string
	if topic, ok := arg(t.Args, at.ArgTopic); ok && topic != p.Topic {
		diffs = append(diffs, "topic: "+valueDiff(topic, p.Topic, true))
	}
	if payload, ok := txPayload(t); ok && string(payload) != string(p.Payload) {
		diffs = append(diffs, "payload: "+valueDiff(string(payload), string(p.Payload), true))
	}
	if q, ok := intArg(t.Args, at.ArgQoS); ok && q != int(p.QoS) {
		diffs = append(diffs, fmt.Sprintf("QoS: command %d, wire %d", q, p.QoS))
	}
	if r, ok := intArg(t.Args, at.ArgRetain); ok {
		// ECMT packs retain + 10 × RAI into one field (EC616-SRC
		// retainOrRai%10).
		if want := r%10 != 0; want != p.Retain {
			diffs = append(diffs, fmt.Sprintf("retain: command %s, wire %s", onOff(want), onOff(p.Retain)))
		}
	}
	if len(diffs) == 0 {
		return
	}
	a.mismatch(CodePublishMismatch, t, rec, "the PUBLISH differs from the publish command",
		strings.Join(diffs, "; ")+fmt.Sprintf(" (frame %d)", a.recs[rec].Frame),
		"keep the payload within the module's inline limit (use data mode with '>' for long or binary payloads) and check the data format setting (text or hex)")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
