package report

import (
	"encoding/json"
	"io"

	"github.com/atmq/atmq/correlate"
)

// JSON writes the result as one indented JSON document:
// {"device", "clock", "transactions", "events", "findings"}.
func JSON(w io.Writer, r *correlate.Result) error {
	doc := *r
	// Empty lists are written as [], never null, so consumers can iterate.
	if doc.Transactions == nil {
		doc.Transactions = []correlate.Transaction{}
	}
	if doc.Events == nil {
		doc.Events = []correlate.Event{}
	}
	if doc.Findings == nil {
		doc.Findings = []correlate.Finding{}
	}
	if doc.Input == nil {
		doc.Input = []correlate.Skipped{}
	}
	if doc.Device.Connections == nil {
		doc.Device.Connections = []correlate.Connection{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
