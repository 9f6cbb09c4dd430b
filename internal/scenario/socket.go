package scenario

import (
	"fmt"
	"strings"

	"github.com/atmq/atmq/internal/modemsim"
)

// Socket-style samples: the MQTT client runs on the MCU (PubSubClient
// over TinyGSM) and the module is only a TCP socket. The script plays the
// MCU: every MQTT packet is built by modemsim's encoder and written
// through the module's send command; the MCU waits for the broker's
// answers where PubSubClient does.

// sockSend is the script for one packet written through a send command.
func sockSend(cmd string, pkt []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s%d\n@data ", cmd, len(pkt))
	for _, c := range pkt {
		fmt.Fprintf(&b, `\x%02x`, c)
	}
	b.WriteString("\n")
	return b.String()
}

// mustPacket panics on an encoding error: the catalogue's packets are fixed.
func mustPacket(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func socketScenarios() []Scenario {
	sim800 := modemsim.Options{Dialect: modemsim.DialectSIM800Socket, Echo: true}
	qi := modemsim.Options{Dialect: modemsim.DialectQISocket, Echo: true}
	open800 := "AT+CIPMUX=1\nAT+CIPSTART=0,\"TCP\",\"127.0.0.1\",\"1883\"\n"
	send800 := "AT+CIPSEND=0,"
	connect := func(ka uint16, user, pass *string) []byte {
		return mustPacket(modemsim.HostConnect("tgsm-0001", ka, user, pass))
	}
	user, pass := SampleUser, SamplePassword
	// The payload holds CR LF and a NUL: a text terminal would mangle it.
	echo := mustPacket(modemsim.HostPublish("devices/tgsm-0001/cmd", []byte("led=on\r\n\x00"), 0, 0))
	big := mustPacket(modemsim.HostPublish("devices/tgsm-0001/log", []byte(strings.Repeat("x", 1990)), 0, 0))
	return []Scenario{
		{
			Name:  "sim800-socket-healthy",
			Title: "A healthy PubSubClient session through a SIM800's socket commands: CONNECT, SUBSCRIBE, PUBLISH (echoed back), PINGREQ, DISCONNECT.",
			Description: "The MCU builds every MQTT packet and writes it with `AT+CIPSEND=0,<len>`; the broker's answers come back as `+RECEIVE,0,<len>:` with the raw bytes. " +
				"`atmq at` shows each packet inside the log; `atmq analyze` pairs them with the capture and reports no error finding.",
			Broker: authBroker, Module: sim800,
			Script: open800 + sockSend(send800, connect(10, &user, &pass)) + "@wait +RECEIVE,0,4: 5s\n" +
				sockSend(send800, mustPacket(modemsim.HostSubscribe(1, "devices/tgsm-0001/cmd", 0))) + "@wait +RECEIVE,0,5: 5s\n" +
				sockSend(send800, echo) + fmt.Sprintf("@wait +RECEIVE,0,%d: 5s\n", len(echo)) +
				sockSend(send800, modemsim.HostPingreq()) + "@wait +RECEIVE,0,2: 5s\n" +
				sockSend(send800, modemsim.HostDisconnect()) + "@wait 0, CLOSED 5s\n",
			LogFormat: LogAtmq, NoErrors: true,
		},
		{
			Name:  "sim800-socket-connack-refused",
			Title: "PubSubClient's connect fails with state() 5: the broker refuses the CONNECT without credentials (CONNACK 5) and closes the socket.",
			Description: "The MCU's CONNECT carries no username; the broker requires one and answers CONNACK 5, read back through `+RECEIVE,0,4:`, then closes (`0, CLOSED`). " +
				"atmq reports connack-refused from the log alone and, with the capture, from the wire too.",
			Broker: authBroker, Module: sim800,
			Script:    open800 + sockSend(send800, connect(10, nil, nil)) + "@wait +RECEIVE,0,4: 5s\n@wait 0, CLOSED 5s\n",
			LogFormat: LogAtmq, Expected: []string{"connack-refused"},
		},
		{
			Name:  "qi-socket-keepalive-no-loop",
			Title: "The MCU never calls client.loop(): no PINGREQ goes out and the broker closes the socket after 1.5 × the 2 s keepalive.",
			Description: "A Quectel module in socket mode (`AT+QIOPEN`/`AT+QISEND`/`AT+QIRD`); the CONNECT asks for keepalive 2 s, the CONNACK is read with `AT+QIRD`, then the MCU stays silent. " +
				"The module reports `+QIURC: \"closed\",0`; atmq reports keepalive-timeout from the log's times and from the capture.",
			Broker: authBroker, Module: qi,
			Script: "AT+QIOPEN=1,0,\"TCP\",\"127.0.0.1\",1883,0,0\n" + sockSend("AT+QISEND=0,", connect(2, &user, &pass)) +
				"@wait +QIURC: \"recv\",0 5s\nAT+QIRD=0,1500\n@wait +QIURC: \"closed\",0 10s\n",
			LogFormat: LogAtmq, Expected: []string{"keepalive-timeout"},
		},
		{
			Name:  "sim800-socket-publish-too-large",
			Title: fmt.Sprintf("A 2 KB PUBLISH does not fit the SIM800's 1460-byte send buffer: `AT+CIPSEND=0,%d` is answered ERROR and the packet never leaves the module.", len(big)),
			Description: "PubSubClient hands the whole packet to TinyGSM, which asks the module for one send of its full length. The module refuses it without a prompt. " +
				"atmq reports publish-too-large on that command.",
			Broker: authBroker, Module: sim800,
			Script: open800 + sockSend(send800, connect(30, &user, &pass)) + "@wait +RECEIVE,0,4: 5s\n" +
				fmt.Sprintf("@onerror continue\n%s%d\n@onerror stop\n", send800, len(big)) +
				sockSend(send800, modemsim.HostDisconnect()) + "@wait 0, CLOSED 5s\n",
			LogFormat: LogAtmq, Expected: []string{"publish-too-large"},
		},
	}
}
