package modemsim

// Host-side MQTT packets: what an MCU's own client (PubSubClient, Paho
// Embedded) writes into a socket-mode module, built with the same encoder
// the simulated MQTT firmware uses.

// HostConnect is a CONNECT (MQTT 3.1.1, clean session).
func HostConnect(clientID string, keepAlive uint16, username, password *string) ([]byte, error) {
	return encodeConnect(connectParams{Version: version311, ClientID: clientID, CleanSession: true,
		KeepAlive: keepAlive, Username: username, Password: password})
}

// HostPublish is a PUBLISH; id is used for QoS 1 and 2.
func HostPublish(topic string, payload []byte, qos byte, id uint16) ([]byte, error) {
	return encodePublish(message{Topic: topic, Payload: payload, QoS: qos, ID: id})
}

// HostSubscribe is a SUBSCRIBE of one filter.
func HostSubscribe(id uint16, filter string, qos byte) ([]byte, error) {
	return encodeSubscribe(id, []subscription{{Filter: filter, QoS: qos}})
}

// HostPingreq is a PINGREQ.
func HostPingreq() []byte { return encodePingreq() }

// HostDisconnect is a DISCONNECT.
func HostDisconnect() []byte { return encodeDisconnect() }
