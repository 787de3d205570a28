package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/peermon/peermon/go/peermonitor"
)

// service.json is edited in place, one section at a time, keeping every other section and the
// order of the keys: writing it back through IPFS Cluster's config manager would add a default
// for every component it knows, and so turn on components the operator had left out.

// object is a JSON object whose keys keep their order.
type object []member

type member struct {
	key   string
	value json.RawMessage
}

func (o *object) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, member{key: t.(string), value: v})
	}
	return nil
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o object) get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

func (o *object) set(key string, v json.RawMessage) {
	for i, m := range *o {
		if m.key == key {
			(*o)[i].value = v
			return
		}
	}
	*o = append(*o, member{key: key, value: v})
}

func (o *object) remove(key string) bool {
	for i, m := range *o {
		if m.key == key {
			*o = append((*o)[:i], (*o)[i+1:]...)
			return true
		}
	}
	return false
}

// editMonitor applies change to the "monitor" object of the configuration file at path.
func editMonitor(path string, change func(monitor *object) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s (run `%s init` for a new peer): %w", path, programName, err)
	}
	var top object
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("%s is not a service.json: %w", path, err)
	}
	var monitor object
	if raw, ok := top.get("monitor"); ok {
		if err := json.Unmarshal(raw, &monitor); err != nil {
			return fmt.Errorf("%s: its monitor section is not an object: %w", path, err)
		}
	}
	if err := change(&monitor); err != nil {
		return err
	}
	raw, err := json.Marshal(monitor)
	if err != nil {
		return err
	}
	top.set("monitor", raw)
	out, err := json.MarshalIndent(top, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(out, '\n'), 0o600)
}

// setMonitorSection writes monitor.peermon: the section there already (or the defaults), changed
// by adjust.
func setMonitorSection(path string, adjust func(*peermonitor.Config) error) (*peermonitor.Config, error) {
	pm := &peermonitor.Config{}
	err := editMonitor(path, func(monitor *object) error {
		if err := pm.Default(); err != nil {
			return err
		}
		if old, ok := monitor.get(pm.ConfigKey()); ok {
			if err := pm.LoadJSON(old); err != nil {
				return fmt.Errorf("%s: the monitor.peermon section there: %w", path, err)
			}
		}
		if err := adjust(pm); err != nil {
			return err
		}
		raw, err := pm.ToJSON()
		if err != nil {
			return err
		}
		monitor.set(pm.ConfigKey(), raw)
		return nil
	})
	return pm, err
}

func removeMonitorSection(path, key string) error {
	return editMonitor(path, func(monitor *object) error {
		if !monitor.remove(key) {
			return fmt.Errorf("%s has no monitor.%s section: the peer already runs pubsubmon", path, key)
		}
		return nil
	})
}
