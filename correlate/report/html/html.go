// Package html renders a correlate.Result as one self-contained HTML file:
// findings first, a zoomable swim-lane timeline with the pairing drawn, a
// virtualised event list, a packet detail pane and the raw serial lines
// around an event. The page needs no network: its script and style are
// inlined from the files embedded here, and the data travel inside the
// page: a JSON document for the findings and the timeline's text, a binary
// block of the timeline's numbers, and the detail pane's JSON (gzipped and
// base64-encoded when large).
package html

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/atmq/atmq/correlate"
	"github.com/atmq/atmq/decode/netcap"
)

//go:embed report.css
var reportCSS string

//go:embed report.js
var reportJS string

// Input is what one report shows.
type Input struct {
	// Result is the analysis; made with correlate.Options.Redact when the
	// report is meant for sharing.
	Result *correlate.Result
	// Records are the decoded capture records; the detail pane shows
	// every MQTT field of the frames the timeline names. Nil: no capture.
	Records []netcap.Record
	// Serial is the serial log as read from its file, for the raw lines
	// around each event; nil: none. Only lines near a line the result
	// names are kept.
	Serial io.Reader
	// Title names the session (a folder or file name, never a path).
	Title string
	// Sources names the input files (base names).
	Sources []string
	// Redacted says the result was made with Options.Redact: packet
	// passwords and secrets in raw lines are masked too.
	Redacted bool
}

// Write writes the report page.
func Write(w io.Writer, in Input) error {
	if in.Result == nil {
		return fmt.Errorf("html report: no result")
	}
	doc, det, err := buildDocument(in)
	if err != nil {
		return err
	}
	// json.Marshal escapes <, > and & so the data cannot end its script
	// element. The detail pane's data is an element of its own, read after
	// the page is drawn: the page shows sooner.
	data, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	detail, err := json.Marshal(det)
	if err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	data, detail = asciiJSON(data), asciiJSON(detail)
	bw := bufio.NewWriter(w)
	title := "atmq report"
	if in.Title != "" {
		title += " — " + in.Title
	}
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"+
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n"+
		"<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", escapeText(title), reportCSS)
	bw.WriteString(bodyHTML)
	if err := writeData(bw, "atmq-data", data); err != nil {
		return err
	}
	if err := writeBinary(bw, "atmq-cols", doc.Cols.binary()); err != nil {
		return err
	}
	if err := writeData(bw, "atmq-detail", detail); err != nil {
		return err
	}
	bw.WriteString("<script>\n")
	bw.WriteString(reportJS)
	bw.WriteString("</script>\n</body>\n</html>\n")
	return bw.Flush()
}

// compressAbove is the size from which a data element is gzipped: a
// 100,000-event page is 24 MB as JSON and 3 MB gzipped, which the browser
// unpacks with its native DecompressionStream (Chromium 80, Firefox 113,
// Safari 16.4) faster than it reads the larger page. Smaller reports are
// not packed and open in older browsers too.
const compressAbove = 512 << 10

// writeData writes one JSON data element: plain, or when large gzipped
// and base64 encoded (base64 holds no '<', so it cannot end the element
// either).
func writeData(w *bufio.Writer, id string, data []byte) error {
	if len(data) < compressAbove {
		fmt.Fprintf(w, "<script type=\"application/json\" id=\"%s\">", id)
		w.Write(data)
		_, err := w.WriteString("</script>\n")
		return err
	}
	return writeBinary(w, id, data)
}

// writeBinary writes bytes as a base64 element, gzipped when large.
func writeBinary(w *bufio.Writer, id string, data []byte) error {
	if len(data) < compressAbove {
		fmt.Fprintf(w, "<script type=\"application/octet-stream\" id=\"%s\" data-encoding=\"base64\">", id)
		enc := base64.NewEncoder(base64.StdEncoding, w)
		enc.Write(data)
		if err := enc.Close(); err != nil {
			return err
		}
		_, err := w.WriteString("</script>\n")
		return err
	}
	fmt.Fprintf(w, "<script type=\"application/octet-stream\" id=\"%s\" data-encoding=\"gzip+base64\">", id)
	enc := base64.NewEncoder(base64.StdEncoding, w)
	zw, err := gzip.NewWriterLevel(enc, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := zw.Write(data); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	_, err = w.WriteString("</script>\n")
	return err
}

// asciiJSON escapes every non-ASCII character of a JSON document as \uXXXX.
// Browsers decode and parse pure-ASCII text on their fast paths (one byte
// per character); a single arrow would make the whole document two-byte.
func asciiJSON(b []byte) []byte {
	n := 0
	for _, c := range b {
		if c >= utf8.RuneSelf {
			n++
		}
	}
	if n == 0 {
		return b
	}
	out := make([]byte, 0, len(b)+4*n)
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			out = append(out, b[0])
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		b = b[size:]
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
	}
	return out
}

// escapeText escapes text for an HTML text node.
func escapeText(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bodyHTML is the page's skeleton; report.js fills it from the data.
var bodyHTML = strings.TrimLeft(`
<header id="top"><h1 id="title">atmq report</h1><div id="meta"></div></header>
<noscript><p class="warn">This report draws its content with JavaScript; enable it to see the session.</p></noscript>
<section id="findings-section"><h2>Findings</h2><div id="findings"></div></section>
<section id="session-section"><h2>Device and clock</h2><div id="session"></div></section>
<section id="timeline-section">
<h2>Timeline</h2>
<div id="tools">
<input id="search" type="search" placeholder="Search text, L12, #7" aria-label="Search">
<select id="f-conn" aria-label="Connection"></select>
<select id="f-op" aria-label="Operation"></select>
<select id="f-finding" aria-label="Finding"></select>
<label><input id="f-fail" type="checkbox"> failures only</label>
<span class="zoom"><button id="z-in" title="Zoom in">+</button><button id="z-out" title="Zoom out">−</button><button id="z-fit" title="Show everything">fit</button></span>
<span id="count"></span>
</div>
<div id="lanes-wrap"><svg id="lanes" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Swim-lane timeline"></svg></div>
<div id="main">
<div id="list-wrap"><div id="list-head" class="row head"><span>time</span><span>tag</span><span>ref</span><span>MCU host→module</span><span>module→host</span><span>network</span></div>
<div id="list" tabindex="0"><div id="list-spacer"></div></div></div>
<aside id="detail"><p class="hint">Select an event in the timeline or the list to see its packet fields and the serial lines around it.</p></aside>
</div>
</section>
`, "\n")
