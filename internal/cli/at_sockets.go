package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
	"github.com/atmq/atmq/internal/term"
)

// The MQTT packets inside a log's socket commands (`atmq at`): one table
// per socket, or the "sockets" list of --json.

func writeSocketTables(w io.Writer, streams []*at.SocketStream, timeSource string, out term.Output, mask func(string) string) error {
	for _, s := range streams {
		head := fmt.Sprintf("socket %s (%s) %s", s.Conn, s.Dialect, socketHeadline(s))
		if _, err := fmt.Fprintln(w, "\n"+term.WrapIndent(head, out.Width, 2)); err != nil {
			return err
		}
		var rows [][]string
		timed := false
		for _, p := range s.Packets() {
			tm := formatTime(p.Time, timeSource)
			timed = timed || tm != ""
			rows = append(rows, []string{fmt.Sprint(p.Line), tm, packetDir(p.FromHost), term.Clean(packetKind(p)), term.Clean(mask(packetFields(p)))})
		}
		cols := []term.Column{{Header: "LINE", Min: 4}, {Header: "TIME", Min: 12}, {Header: "DIR", Min: 5},
			{Header: "PACKET", Min: 8, Max: 32}, {Header: "FIELDS", Min: 10, Weight: 3}}
		if !timed {
			cols = append(cols[:1], cols[2:]...)
			for i, r := range rows {
				rows[i] = append(r[:1], r[2:]...)
			}
		}
		tbl := term.NewTable(w, cols, term.NaturalWidths(len(cols), rows), term.Boxed, out)
		if err := tbl.Header(); err != nil {
			return err
		}
		for _, r := range rows {
			if err := tbl.Row(r...); err != nil {
				return err
			}
		}
		if err := tbl.Close(); err != nil {
			return err
		}
	}
	return nil
}

func socketHeadline(s *at.SocketStream) string {
	var parts []string
	if s.Host != "" {
		parts = append(parts, "to "+s.Host+":"+s.Port)
	}
	if s.OpenLine > 0 {
		parts = append(parts, fmt.Sprintf("opened on line %d (%s)", s.OpenLine, outcomeCell(s.OpenOutcome)))
	}
	if s.ClosedBy != "" {
		parts = append(parts, fmt.Sprintf("closed by the %s on line %d", s.ClosedBy, s.CloseLine))
	}
	return strings.Join(parts, ", ")
}

func packetDir(fromHost bool) string {
	if fromHost {
		return "host→broker"
	}
	return "broker→host"
}

func packetKind(p at.SocketPacket) string {
	switch {
	case p.Packet != nil && p.Failed != "":
		return p.Packet.Type.String() + " (not sent: " + p.Failed + ")"
	case p.Packet != nil:
		return p.Packet.Type.String()
	case p.Failed != "":
		return "send refused: " + p.Failed
	case p.Mangled:
		return "mangled bytes"
	}
	return "undecodable"
}

func packetFields(p at.SocketPacket) string {
	switch {
	case p.Packet != nil:
		s := p.Packet.Summary()
		if p.Err != "" {
			s += " (" + p.Err + ")"
		}
		return s
	case p.Mangled:
		return p.Salvage
	case p.Failed != "" && p.Declared >= 0:
		return fmt.Sprintf("%d bytes declared", p.Declared)
	}
	return p.Err
}

// JSON of the sockets (atmq at --json "sockets").
type atJSONSocket struct {
	Conn        string         `json:"conn"`
	Dialect     string         `json:"dialect"`
	Host        string         `json:"host,omitempty"`
	Port        string         `json:"port,omitempty"`
	OpenLine    int            `json:"open_line,omitempty"`
	OpenOutcome string         `json:"open_outcome"`
	CloseLine   int            `json:"close_line,omitempty"`
	ClosedBy    string         `json:"closed_by,omitempty"`
	Packets     []atJSONPacket `json:"packets"`
}

type atJSONPacket struct {
	Line     int        `json:"line"`
	Time     *string    `json:"time"`
	FromHost bool       `json:"from_host"`
	Packet   *mqtt.JSON `json:"packet,omitempty"`
	Hex      string     `json:"hex"`
	Error    string     `json:"error,omitempty"`
	Mangled  bool       `json:"mangled,omitempty"`
	Salvage  string     `json:"salvage,omitempty"`
	Declared int        `json:"declared_length"`
	Failed   string     `json:"send_failed,omitempty"`
}

func socketsJSON(streams []*at.SocketStream, timeSource string, redact bool, mask func(string) string) []atJSONSocket {
	var out []atJSONSocket
	for _, s := range streams {
		js := atJSONSocket{Conn: s.Conn, Dialect: s.Dialect, Host: s.Host, Port: s.Port, OpenLine: s.OpenLine,
			OpenOutcome: string(s.OpenOutcome), CloseLine: s.CloseLine, ClosedBy: s.ClosedBy, Packets: []atJSONPacket{}}
		for _, p := range s.Packets() {
			jp := atJSONPacket{Line: p.Line, Time: jsonTime(p.Time, timeSource), FromHost: p.FromHost,
				Hex: hex.EncodeToString(p.Raw), Error: mask(p.Err), Mangled: p.Mangled, Salvage: mask(p.Salvage),
				Declared: p.Declared, Failed: p.Failed}
			if redact {
				jp.Hex = hex.EncodeToString(p.RedactedRaw())
			}
			if p.Packet != nil {
				j := p.Packet.JSON(redact)
				jp.Packet = &j
			}
			js.Packets = append(js.Packets, jp)
		}
		out = append(out, js)
	}
	return out
}
