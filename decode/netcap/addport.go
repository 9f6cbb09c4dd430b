package netcap

// AddPort makes the decoder read MQTT on port p from now on (a live
// session learns the broker's port from the module's open command after
// the capture started). Connections already open on p are decoded from
// their next bytes, resynchronising as a capture joined mid-stream.
func (d *Decoder) AddPort(p uint16) {
	d.mqttPort[p] = true
	delete(d.tlsPort, p)
}
