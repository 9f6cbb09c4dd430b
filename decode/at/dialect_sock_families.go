package at

import (
	"maps"
	"slices"
	"strings"
)

// The socket dialects of each module family (see dialect_sock.go for the
// sources). Send commands name their length "length"; sockengine.go fixes
// the forms whose arguments shift (single- and multi-connection CIPSEND).

func init() {
	conn := ArgSpec{Key: ArgConn}
	length := ArgSpec{Key: "length"}
	host := ArgSpec{Key: ArgHost, String: true}
	port := ArgSpec{Key: ArgPort}
	proto := ArgSpec{Key: "protocol", String: true}
	closed := func(what string) *URCSpec {
		return &URCSpec{Name: what, Event: true, PayloadFrom: -1, Fields: []string{ArgConn},
			Meaning: func(map[string]string) string { return "socket closed by the peer or the network" }}
	}

	// SIMCom SIM800/SIM900 (AT+CIPSTART/CIPSEND/CIPRXGET/CIPCLOSE),
	// SIM7600 (AT+CIPOPEN) and ESP-AT (AT+CIPSTART/CIPSEND/+IPD) share
	// command names; their answers differ in text only.
	cipURCs := map[string]*URCSpec{}
	plainURCs(cipURCs, indexed("CONNECT OK", 7), false, OutcomeOK, "TCP connection opened")
	plainURCs(cipURCs, indexed("CONNECT", 7), false, OutcomeOK, "TCP connection opened")
	plainURCs(cipURCs, indexed("ALREADY CONNECT", 7), false, OutcomeFailed, "a connection is already open on that link")
	plainURCs(cipURCs, indexed("CONNECT FAIL", 7), false, OutcomeFailed, "TCP connection failed")
	plainURCs(cipURCs, indexed("CLOSED", 7), true, "", "socket closed by the peer or the network")
	cipURCs["CIPOPEN"] = &URCSpec{Name: "CIPOPEN", Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
		Meaning: func(f map[string]string) string {
			if f[ArgResult] == "0" {
				return "TCP connection opened"
			}
			return "TCP connection failed (error " + f[ArgResult] + ")"
		}}
	cipURCs["IPCLOSE"] = closed("IPCLOSE")
	// "CONNECT OK" first: a script waiting for the open names it.
	openResults := []string{"CONNECT OK"}
	for _, k := range slices.Sorted(maps.Keys(cipURCs)) {
		if u := cipURCs[k]; !u.Event && k != "CIPOPEN" && k != "CONNECT OK" {
			openResults = append(openResults, k)
		}
	}
	cipRead := func(text string) (int, string, bool, bool) {
		f, _, ok := headerAfter(text, "+CIPRXGET:")
		if !ok || len(f) < 3 || (f[0] != "2" && f[0] != "3") {
			if g, rest, ok := headerAfter(text, "+CIPRECVDATA"); ok {
				// ESP-AT: +CIPRECVDATA:<len>,<data> or +CIPRECVDATA,<len>:<data>
				rest = strings.TrimLeft(rest, ":,")
				i := strings.IndexAny(rest, ",:")
				if i < 0 {
					return 0, "", false, false
				}
				n, ok := atoi(rest[:i])
				_ = g
				return n, rest[i+1:], false, ok
			}
			return 0, "", false, false
		}
		field := f[1]
		if len(f) >= 4 {
			field = f[2]
		}
		n, ok := atoi(field)
		return n, "", f[0] == "3", ok
	}
	registerSocket(&Dialect{
		Name: "sock-cip", Title: "TCP socket: SIMCom SIM800/SIM900/SIM7600 CIP*, ESP-AT", MaxConn: 7,
		Commands: map[string]*CommandSpec{
			"CIPSTART": {Name: "CIPSTART", MinArgs: 3, Args: []ArgSpec{conn, proto, host, port},
				Results: openResults, Derive: singleLinkOpen},
			"CIPOPEN": {Name: "CIPOPEN", MinArgs: 3, Args: []ArgSpec{conn, proto, host, port, {Key: "local_port"}},
				Results: []string{"CIPOPEN"}, Match: []string{ArgConn}},
			"CIPSEND":     {Name: "CIPSEND", Args: []ArgSpec{conn, length}, Data: DataLength, LengthArg: "length"},
			"CIPCLOSE":    {Name: "CIPCLOSE", Args: []ArgSpec{conn, {Key: "quick"}}},
			"CIPRXGET":    {Name: "CIPRXGET", Args: []ArgSpec{{Key: "mode"}, conn, length}},
			"CIPRECVDATA": {Name: "CIPRECVDATA", Args: []ArgSpec{conn, length}},
		},
		URCs: cipURCs,
	}, 1460, map[string]*sockCommand{
		"CIPSTART": {op: SockOpen}, "CIPOPEN": {op: SockOpen}, "CIPSEND": {op: SockSend},
		"CIPCLOSE": {op: SockClose},
		"CIPRXGET": {op: SockRead, readHeader: cipRead}, "CIPRECVDATA": {op: SockRead, readHeader: cipRead},
	})

	// Quectel BG96/BG95/EC2x/EG9x TCP/IP (AT+QIOPEN/QISEND/QIRD/QICLOSE).
	qiRead := func(text string) (int, string, bool, bool) {
		f, _, ok := headerAfter(text, "+QIRD:")
		if !ok || len(f) != 1 {
			return 0, "", false, false // +QIRD: total,read,unread answers a length-0 query
		}
		n, ok := atoi(f[0])
		return n, "", false, ok
	}
	registerSocket(&Dialect{
		Name: "sock-qi", Title: "TCP socket: Quectel QI* (BG96, BG95, EC2x)", MaxConn: 11,
		Commands: map[string]*CommandSpec{
			"QIOPEN": {Name: "QIOPEN", MinArgs: 4, Args: []ArgSpec{{Key: "context"}, conn, proto, host, port, {Key: "local_port"}, {Key: "access_mode"}},
				Results: []string{"QIOPEN"}, Match: []string{ArgConn}},
			"QISEND":   {Name: "QISEND", Args: []ArgSpec{conn, length}, Data: DataLength, LengthArg: "length"},
			"QISENDEX": {Name: "QISENDEX", Args: []ArgSpec{conn, {Key: "data", String: true}}},
			"QIRD":     {Name: "QIRD", Args: []ArgSpec{conn, length}},
			"QICLOSE":  {Name: "QICLOSE", Args: []ArgSpec{conn}},
		},
		URCs: map[string]*URCSpec{
			"QIOPEN": {Name: "QIOPEN", Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					if f[ArgResult] == "0" {
						return "TCP connection opened"
					}
					return "TCP connection failed (error " + f[ArgResult] + ")"
				}},
			"QIURC": {Name: "QIURC", Event: true, PayloadFrom: -1, Fields: []string{"what", ArgConn, "length"},
				Meaning: func(f map[string]string) string {
					switch f["what"] {
					case "closed":
						return "socket closed by the peer or the network"
					case "recv":
						return "data received on the socket"
					}
					return f["what"]
				}},
		},
	}, 1460, map[string]*sockCommand{
		"QIOPEN": {op: SockOpen}, "QISEND": {op: SockSend}, "QISENDEX": {op: SockSend, hexArg: "data"},
		"QIRD": {op: SockRead, readHeader: qiRead}, "QICLOSE": {op: SockClose},
	})

	// SIMCom SIM7000/SIM7080 (AT+CAOPEN/CASEND/CARECV/CACLOSE).
	registerSocket(&Dialect{
		Name: "sock-ca", Title: "TCP socket: SIMCom SIM7000/SIM7080 CA*", MaxConn: 12,
		Commands: map[string]*CommandSpec{
			"CAOPEN": {Name: "CAOPEN", MinArgs: 4, Args: []ArgSpec{conn, {Key: "context"}, proto, host, port, {Key: "recv_mode"}},
				Results: []string{"CAOPEN"}, Match: []string{ArgConn}},
			"CASEND":  {Name: "CASEND", Args: []ArgSpec{conn, length}, Data: DataLength, LengthArg: "length"},
			"CARECV":  {Name: "CARECV", Args: []ArgSpec{conn, length}},
			"CACLOSE": {Name: "CACLOSE", Args: []ArgSpec{conn}},
		},
		URCs: map[string]*URCSpec{
			"CAOPEN": {Name: "CAOPEN", Fields: []string{ArgConn, ArgResult}, PayloadFrom: -1,
				Meaning: func(f map[string]string) string {
					if f[ArgResult] == "0" {
						return "TCP connection opened"
					}
					return "TCP connection failed (error " + f[ArgResult] + ")"
				}},
			"CASTATE":   {Name: "CASTATE", Event: true, PayloadFrom: -1, Fields: []string{ArgConn, "state"}},
			"CADATAIND": {Name: "CADATAIND", Event: true, PayloadFrom: -1, Fields: []string{ArgConn}},
		},
	}, 1459, map[string]*sockCommand{
		"CAOPEN": {op: SockOpen}, "CASEND": {op: SockSend}, "CACLOSE": {op: SockClose},
		"CARECV": {op: SockRead, readHeader: func(text string) (int, string, bool, bool) {
			_, rest, ok := headerAfter(text, "+CARECV:")
			if !ok {
				return 0, "", false, false
			}
			i := strings.IndexByte(rest, ',')
			if i < 0 {
				n, ok := atoi(rest)
				return n, "", false, ok && n == 0
			}
			n, ok := atoi(rest[:i])
			return n, rest[i+1:], false, ok
		}},
	})

	// u-blox SARA/LARA/TOBY (AT+USOCR/USOCO/USOWR/USORD/USOCL), hex mode
	// after AT+UDCONF=1,1.
	registerSocket(&Dialect{
		Name: "sock-uso", Title: "TCP socket: u-blox USO*", MaxConn: 6,
		Commands: map[string]*CommandSpec{
			"USOCR": {Name: "USOCR", Args: []ArgSpec{proto, {Key: "local_port"}, {Key: "ip_type"}}},
			"USOCO": {Name: "USOCO", MinArgs: 3, Args: []ArgSpec{conn, host, port, {Key: "async"}}},
			"USOWR": {Name: "USOWR", Args: []ArgSpec{conn, length, {Key: "data", String: true}}},
			"USORD": {Name: "USORD", Args: []ArgSpec{conn, length}},
			"USOCL": {Name: "USOCL", Args: []ArgSpec{conn}},
		},
		URCs: map[string]*URCSpec{
			"UUSOCL": closed("UUSOCL"),
			"UUSORD": {Name: "UUSORD", Event: true, PayloadFrom: -1, Fields: []string{ArgConn, "length"}},
		},
	}, 1024, map[string]*sockCommand{
		"USOCR": {op: SockCreate}, "USOCO": {op: SockOpen}, "USOWR": {op: SockSend, hexArg: "data"},
		"USOCL": {op: SockClose},
		"USORD": {op: SockRead, readHeader: func(text string) (int, string, bool, bool) {
			f, _, ok := headerAfter(text, "+USORD:")
			if !ok || len(f) < 2 {
				return 0, "", false, false
			}
			if len(f) == 2 { // +USORD: 0,"" — nothing to read
				return 0, f[1], true, true
			}
			n, ok := atoi(f[1])
			return n, f[2], hexDigits(f[2]) && len(f[2]) == 2*n, ok
		}},
	})

	// Quectel BC95/BC35 NB-IoT (AT+NSOCR/NSOCO/NSOSD/NSOST/NSORF/NSOCL).
	registerSocket(&Dialect{
		Name: "sock-nso", Title: "socket: Quectel BC95 NSO* (NB-IoT)", MaxConn: 6,
		Commands: map[string]*CommandSpec{
			"NSOCR": {Name: "NSOCR", Args: []ArgSpec{{Key: "type"}, proto, {Key: "listen_port"}, {Key: "receive_control"}, {Key: "af_type"}, {Key: "ip"}}},
			"NSOCO": {Name: "NSOCO", MinArgs: 3, Args: []ArgSpec{conn, host, port}},
			"NSOSD": {Name: "NSOSD", Args: []ArgSpec{conn, length, {Key: "data", String: true}, {Key: "flag"}, {Key: "sequence"}}},
			"NSOST": {Name: "NSOST", Args: []ArgSpec{conn, host, port, length, {Key: "data", String: true}, {Key: "sequence"}}},
			"NSORF": {Name: "NSORF", Args: []ArgSpec{conn, length}},
			"NSOCL": {Name: "NSOCL", Args: []ArgSpec{conn}},
		},
		URCs: map[string]*URCSpec{
			"NSONMI": {Name: "NSONMI", Event: true, PayloadFrom: -1, Fields: []string{ArgConn, "length"}},
			"NSOCLI": closed("NSOCLI"),
		},
	}, 512, map[string]*sockCommand{
		"NSOCR": {op: SockCreate}, "NSOCO": {op: SockOpen}, "NSOSD": {op: SockSend, hexArg: "data"},
		"NSOST": {op: SockSend, hexArg: "data"}, "NSOCL": {op: SockClose},
		"NSORF": {op: SockRead, readHeader: func(text string) (int, string, bool, bool) {
			// <socket>,<ip>,<port>,<length>,<data>,<remaining>
			f := fieldsOf(text)
			if len(f) < 5 {
				return 0, "", false, false
			}
			n, ok := atoi(f[3])
			return n, f[4], true, ok && hexDigits(f[4])
		}},
	})
}

// singleLinkOpen shifts AT+CIPSTART="TCP","host","port" (single
// connection mode, no link number) into the named arguments.
func singleLinkOpen(a map[string]string) {
	if _, ok := atoi(a[ArgConn]); ok {
		return
	}
	a[ArgPort], a[ArgHost], a["protocol"], a[ArgConn] = a[ArgHost], a["protocol"], a[ArgConn], "0"
}
