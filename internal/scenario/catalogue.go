package scenario

import (
	"time"

	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// Credentials of the password-protected broker in the samples.
const (
	SampleUser     = "nt35e"
	SamplePassword = "k9Vq2-long-device-secret-0123456789abcdef" // 41 bytes: longer than the truncating firmware's 32
)

var authBroker = mosquittotest.Config{Users: map[string]string{SampleUser: SamplePassword}}

func ecmt() modemsim.Options { return modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true} }

// otherPublisher is a backend client that sends the device a command.
const otherPublisher = `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"backend-7f3a"
AT+ECMTPUB=0,1,1,0,"devices/nt35e-0001/cmd","led=on"
AT+ECMTDISC=0
`

// otherNoise is another device of the fleet, connecting and publishing
// telemetry while the device under test works.
const otherNoise = `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"sensor-0042"
AT+ECMTPUB=0,0,0,0,"devices/sensor-0042/telemetry","t=21.5"
AT+ECMTPUB=0,2,1,0,"devices/sensor-0042/telemetry","t=21.6"
AT+ECMTDISC=0
`

const healthyECMT = `ATE1
AT+ECMTCFG="keepalive",0,60
AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
AT+ECMTSUB=0,1,"devices/nt35e-0001/cmd",1
AT+ECMTSUB=0,2,"devices/nt35e-0001/echo",2
AT+ECMTPUB=0,0,0,0,"devices/nt35e-0001/echo","hello qos0"
AT+ECMTPUB=0,3,1,0,"devices/nt35e-0001/echo","hello qos1"
AT+ECMTPUB=0,4,2,0,"devices/nt35e-0001/echo","hello qos2"
@sleep 1500ms
AT+ECMTUNS=0,5,"devices/nt35e-0001/echo"
AT+ECMTDISC=0
`

// Catalogue lists the sample sessions in pcaps/.
func Catalogue() []Scenario {
	shanghai := time.FixedZone("UTC+8", 8*3600)
	return append([]Scenario{
		{
			Name:  "ecmt-healthy-qos012",
			Title: "A healthy NT35E (ECMT) session: subscribe, publish at QoS 0, 1 and 2, receive a command from the backend, unsubscribe, disconnect.",
			Description: "Every command gets its result URC; the module's own messages come back as `+ECMTRECV`, and so does the backend's `led=on`. " +
				"atmq pairs every command with its packets and reports no error finding.",
			Broker: mosquittotest.Config{}, Module: ecmt(), Script: healthyECMT,
			Others:    []Other{{Delay: 2500 * time.Millisecond, Script: otherPublisher}},
			LogFormat: LogAtmq, NoErrors: true,
		},
		{
			Name:  "ecmt-no-credentials",
			Title: "The connect is refused with `+ECMTCONN: 0,0,5`: no username/password was sent and the broker requires them.",
			Description: "The broker runs `allow_anonymous false` with a password file. The host sends `AT+ECMTCONN=0,\"nt35e-0001\"` without credentials; " +
				"the CONNECT carries no username flag and mosquitto answers CONNACK 5 (not authorized). atmq reports connack-refused and no-credentials.",
			Broker: authBroker, Module: ecmt(),
			Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
@sleep 500ms
`,
			LogFormat: LogAtmq, Expected: []string{"connack-refused", "no-credentials"},
		},
		{
			Name:  "ecmt-wrong-password",
			Title: "The connect is refused with `+ECMTCONN: 0,0,5`: the password is wrong.",
			Description: "Username and password reach the broker exactly as typed, and mosquitto refuses them with CONNACK 5. " +
				"atmq reports connack-refused and shows that the wire carried what the command asked for, so the credentials themselves are wrong.",
			Broker: authBroker, Module: ecmt(),
			Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001","nt35e","not-the-password"
@sleep 500ms
`,
			LogFormat: LogAtmq, Expected: []string{"connack-refused"},
			// The wire carried exactly what the command gave.
			Absent: []string{"no-credentials", "credentials-mismatch"},
		},
		{
			Name:  "ecmt-password-truncated",
			Title: "The module cut the password to 32 bytes: the command's 41-byte password reaches the broker shortened and is refused.",
			Description: "Firmware with a short buffer truncates the password. The command is right, the CONNECT is not: " +
				"atmq compares the two and reports connack-refused with credentials-mismatch (password cut to 32 bytes).",
			Broker: authBroker,
			Module: modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, Faults: modemsim.Faults{TruncatePassword: 32}},
			Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001","nt35e","` + SamplePassword + `"
@sleep 500ms
`,
			LogFormat: LogAtmq, Expected: []string{"connack-refused", "credentials-mismatch"},
		},
		{
			Name:  "ecmt-empty-client-id",
			Title: "An empty client id with clean session off is refused with CONNACK 2 (identifier rejected).",
			Description: "`AT+ECMTCFG=\"session\",0,0` asks the broker to keep the session, which needs a client id [MQTT-3.1.3-8]; " +
				"the connect gives an empty one. atmq reports connack-refused and client-id-rejected.",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			Script: `AT+ECMTCFG="session",0,0
AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,""
@sleep 500ms
`,
			LogFormat: LogAtmq, Expected: []string{"connack-refused", "client-id-rejected"},
		},
		{
			Name:  "ecmt-client-id-prefix",
			Title: "The broker only admits client ids starting with `fleet-`: the device's `nt35e-0001` is refused with CONNACK 5 while the fleet's other devices connect.",
			Description: "mosquitto's `clientid_prefixes fleet-` answers a client id without the prefix with CONNACK 5 (not 2). " +
				"atmq compares the refused CONNECT with the clients the broker accepted in the same capture and points at the client id.",
			Broker: mosquittotest.Config{ClientIDPrefixes: "fleet-"}, Module: ecmt(),
			Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
@sleep 1500ms
`,
			Others: []Other{{Delay: 0, Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"fleet-sensor-0042"
AT+ECMTPUB=0,0,0,0,"fleet/sensor-0042/telemetry","t=21.5"
AT+ECMTDISC=0
`}, {Delay: 800 * time.Millisecond, Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"fleet-gateway-7"
AT+ECMTDISC=0
`}},
			LogFormat: LogAtmq, Expected: []string{"connack-refused", "client-id-rejected"},
			// The broker accepted the others without credentials.
			Absent: []string{"no-credentials"},
		},
		{
			Name:  "ecmt-client-id-takeover",
			Title: "Another connection took over the client id: the broker closes the device's connection and the module prints `+ECMTSTAT: 0,1`.",
			Description: "A second client connects as `nt35e-0001` while the device is connected; mosquitto closes the older connection within a millisecond " +
				"of the new CONNECT (no DISCONNECT in 3.1.1). atmq reports client-id-takeover.",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
AT+ECMTSUB=0,1,"devices/nt35e-0001/cmd",1
@wait +ECMTSTAT 15s
`,
			Others: []Other{{Delay: 1500 * time.Millisecond, Script: `AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
@sleep 1s
AT+ECMTDISC=0
`}},
			LogFormat: LogAtmq, Expected: []string{"client-id-takeover"},
		},
		{
			Name:        "ecmt-port-closed",
			Title:       "`+ECMTOPEN: 0,-1`: nothing listens on the port, the SYN is answered with RST.",
			Description: "The host opens port 1884 where no broker listens. atmq pairs the open command with the SYN and the RST and reports tcp-refused.",
			Broker:      mosquittotest.Config{}, Module: ecmt(),
			Script: `@onerror continue
AT+ECMTOPEN=0,"127.0.0.1",1884
@sleep 300ms
`,
			LogFormat: LogAtmq, Expected: []string{"tcp-refused"},
		},
		{
			Name:  "ecmt-typographic-quotes",
			Title: "The curly quotes pasted from a document make the module answer ERROR; retyped with straight quotes the connect works.",
			Description: "`AT+ECMTCONN=0,”nt35e-0001”` (as the NT35E article prints it) is answered ERROR and nothing reaches the network. " +
				"atmq reports at-syntax on that line with the corrected command, resolved by the retyped command, which connects (exit 0).",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			Script: `@onerror continue
AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,”nt35e-0001”
AT+ECMTCONN=0,"nt35e-0001"
AT+ECMTDISC=0
`,
			LogFormat: LogSSCOM, SSCOMZone: time.UTC, Expected: []string{"at-syntax"}, NoErrors: true,
		},
		{
			Name:  "ecmt-invalid-topic-filter",
			Title: "Subscribing to `devices/#/cmd` makes the broker close the connection: `#` must be the last level.",
			Description: "mosquitto answers an invalid filter by closing the connection, with no SUBACK [MQTT-4.7.1-2]. " +
				"The module reports `+ECMTSTAT: 0,1`. atmq reports invalid-topic.",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			Script: `@onerror continue
AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
AT+ECMTSUB=0,1,"devices/#/cmd",1
@wait +ECMTSTAT 10s
`,
			LogFormat: LogAtmq, Expected: []string{"invalid-topic"},
		},
		{
			Name:  "ecmt-keepalive-no-ping",
			Title: "The module never sends PINGREQ: with keepalive 2 s the broker closes the idle connection after about 3 s.",
			Description: "Firmware that does not send PINGREQ loses its connection after 1.5 × keepalive of silence [MQTT-3.1.2-24]. " +
				"atmq reports keepalive-timeout.",
			Broker: mosquittotest.Config{},
			Module: modemsim.Options{Dialect: modemsim.DialectECMT, Echo: true, Faults: modemsim.Faults{NoPingreq: true}},
			Script: `AT+ECMTCFG="keepalive",0,2
AT+ECMTOPEN=0,"127.0.0.1",1883
AT+ECMTCONN=0,"nt35e-0001"
@wait +ECMTSTAT 10s
`,
			LogFormat: LogAtmq, Expected: []string{"keepalive-timeout"},
		},
		{
			Name:  "ecmt-sscom-clock-8h-noise",
			Title: "A healthy session logged by SSCOM in China Standard Time (UTC+8) against a UTC capture that also holds another device's traffic.",
			Description: "The SSCOM stamps are time-only and 8 hours ahead of the capture; another device (sensor-0042) connects and publishes at the same time. " +
				"atmq picks the device's connection by its client id, recovers the 8-hour offset from content matches and reports no error finding.",
			Broker: mosquittotest.Config{}, Module: ecmt(), Script: healthyECMT,
			Others:    []Other{{Delay: 300 * time.Millisecond, Script: otherNoise}, {Delay: 2500 * time.Millisecond, Script: otherPublisher}},
			LogFormat: LogSSCOM, SSCOMZone: shanghai, NoErrors: true,
		},
		{
			Name:        "qmt-raw-no-timestamps",
			Title:       "A healthy Quectel (QMT) session saved by picocom: module output only, no timestamps.",
			Description: "The log holds the echoes of the commands and the module's answers, without any time. atmq matches it to the capture by order and content alone.",
			Broker:      mosquittotest.Config{},
			Module:      modemsim.Options{Dialect: modemsim.DialectQMT, Echo: true},
			Script: `AT+QMTCFG="version",0,4
AT+QMTOPEN=0,"127.0.0.1",1883
AT+QMTCONN=0,"bg96-0001"
AT+QMTSUB=0,1,"devices/bg96-0001/cmd",1
AT+QMTPUB=0,2,1,0,"devices/bg96-0001/state","online"
AT+QMTDISC=0
`,
			LogFormat: LogRaw, NoErrors: true,
		},
	}, append(socketScenarios(), tlsScenarios()...)...)
}
