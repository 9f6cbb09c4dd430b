package scenario

import (
	"crypto/tls"

	"github.com/atmq/atmq/internal/modemsim"
	"github.com/atmq/atmq/internal/mosquittotest"
)

// tlsScenarios are the TLS samples: the module's crypto/tls against a
// mosquitto TLS listener on 8883, with certificates made for the
// recording.
func tlsScenarios() []Scenario {
	return []Scenario{
		{
			Name:  "tls-unknown-ca",
			Title: "`+ECMTOPEN: 0,-1` on 8883: the module trusts another CA than the one that signed the broker's certificate and refuses the handshake.",
			Description: "The module's TLS stack (TLS 1.2) gets the broker's certificate, cannot chain it to its CA and sends the alert unknown_ca; the open fails and nothing MQTT is sent. " +
				"atmq reads the handshake from the capture without keys and reports tls-alert (unknown_ca, sent by the module) tied to the AT+ECMTCFG=\"ssl\" line, with the fix in ECMT's syntax.",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			TLS: &TLSSetup{ModuleTrustsOtherCA: true, MaxVersion: tls.VersionTLS12},
			Script: `@onerror continue
AT+ECMTCFG="ssl",0,2,"ca.pem","",""
AT+ECMTOPEN=0,"127.0.0.1",8883
@wait +ECMTOPEN 10s
`,
			LogFormat: LogAtmq, Expected: []string{"tls-alert"},
			Absent: []string{"server-closed", "open-failed"},
		},
		{
			Name:  "tls-client-cert-missing",
			Title: "The broker requires a client certificate and the module has none: the handshake fails and `+QMTOPEN: 0,-1`.",
			Description: "mosquitto's listener runs `require_certificate true`; the module (Quectel QMT, TLS 1.2) answers the CertificateRequest with an empty Certificate and the broker ends the handshake. " +
				"atmq reports tls-client-cert-missing with the AT+QSSLCFG \"clientcert\"/\"clientkey\" fix.",
			Broker: mosquittotest.Config{},
			Module: modemsim.Options{Dialect: modemsim.DialectQMT, Echo: true},
			TLS:    &TLSSetup{RequireCertificate: true, MaxVersion: tls.VersionTLS12},
			Script: `@onerror continue
AT+QSSLCFG="cacert",2,"UFS:ca.pem"
AT+QSSLCFG="seclevel",2,1
AT+QMTCFG="ssl",0,1,2
AT+QMTOPEN=0,"127.0.0.1",8883
@wait +QMTOPEN 10s
`,
			LogFormat: LogAtmq, Expected: []string{"tls-client-cert-missing"},
			Absent: []string{"server-closed", "open-failed"},
		},
		{
			Name:  "tls-healthy-keylog",
			Title: "A healthy ECMT session over TLS 1.3 on 8883, captured with the module's key log in the pcapng (Decryption Secrets Block).",
			Description: "The module verifies the broker against its CA, connects, subscribes, publishes at QoS 1 and disconnects. " +
				"The capture carries the session secrets, so atmq decrypts the TLS records and pairs every command with its MQTT packets exactly as on 1883, with no error finding.",
			Broker: mosquittotest.Config{}, Module: ecmt(),
			TLS: &TLSSetup{KeysInCapture: true},
			Script: `AT+ECMTCFG="ssl",0,2,"ca.pem","",""
AT+ECMTOPEN=0,"127.0.0.1",8883
AT+ECMTCONN=0,"nt35e-0001"
AT+ECMTSUB=0,1,"devices/nt35e-0001/cmd",1
AT+ECMTPUB=0,2,1,0,"devices/nt35e-0001/state","online"
AT+ECMTDISC=0
`,
			LogFormat: LogAtmq, NoErrors: true,
		},
	}
}
