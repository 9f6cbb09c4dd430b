// Package capture is atmq's live side: it reads a module's UART (tap,
// proxy or scripted host) and the network (an interface or a pcap file
// another tool is still writing) and records both to a session folder.
//
// capture produces exactly what the offline readers produce —
// record.SerialChunk for the UART and record.Frame for the network — and
// never decodes AT or MQTT itself, so live and offline analysis share one
// path through decode/ and correlate/.
//
// Sources call their callbacks from their own goroutines. Each source
// serialises its own calls and stamps every chunk with one clock
// (SerialSink.Clock, default time.Now) at the moment it is handed over,
// so the chunks of one source are in time order. Network frames carry the
// kernel's receive stamp (the same wall clock on Linux).
package capture
