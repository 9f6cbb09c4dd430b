package cli

import (
	"encoding/hex"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"

	"github.com/atmq/atmq/decode/at"
	"github.com/atmq/atmq/decode/mqtt"
)

// The MQTT packets inside a log's socket commands (`atmq at`): one table
// per socket, or the "sockets" list of --json.

func writeSocketTables(w io.Writer, log *at.Log) error {
	for _, s := range at.SocketStreams(log) {
		fmt.Fprintf(w, "\nsocket %s (%s) %s\n", s.Conn, s.Dialect, socketHeadline(s))
		tbl := tablewriter.NewTable(w)
		tbl.Header("Line", "Time", "Dir", "Packet", "Fields")
		for _, p := range s.Packets() {
			if err := tbl.Append([]string{fmt.Sprint(p.Line), formatTime(p.Time, log.TimeSource), packetDir(p.FromHost),
				packetKind(p), packetFields(p)}); err != nil {
				return err
			}
		}
		if err := tbl.Render(); err != nil {
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

func socketsJSON(log *at.Log) []atJSONSocket {
	var out []atJSONSocket
	for _, s := range at.SocketStreams(log) {
		js := atJSONSocket{Conn: s.Conn, Dialect: s.Dialect, Host: s.Host, Port: s.Port, OpenLine: s.OpenLine,
			OpenOutcome: string(s.OpenOutcome), CloseLine: s.CloseLine, ClosedBy: s.ClosedBy, Packets: []atJSONPacket{}}
		for _, p := range s.Packets() {
			jp := atJSONPacket{Line: p.Line, Time: jsonTime(p.Time, log.TimeSource), FromHost: p.FromHost,
				Hex: hex.EncodeToString(p.Raw), Error: p.Err, Mangled: p.Mangled, Salvage: p.Salvage,
				Declared: p.Declared, Failed: p.Failed}
			if p.Packet != nil {
				j := p.Packet.JSON(false)
				jp.Packet = &j
			}
			js.Packets = append(js.Packets, jp)
		}
		out = append(out, js)
	}
	return out
}
