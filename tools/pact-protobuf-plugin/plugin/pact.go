package plugin

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// Interaction is one gRPC interaction of a pact (a V4 synchronous message with the protobuf
// plugin's configuration), decoded for the mock server and the verifier.
type Interaction struct {
	Description string
	Key         string
	// Route is the gRPC path, /pkg.Service/Method.
	Route    string
	Method   protoreflect.MethodDescriptor
	Request  Part
	Response Part
}

// Part is the request or the response of an interaction.
type Part struct {
	Contents      []byte
	Rules         Rules
	Metadata      map[string]string
	MetadataRules Rules
	Expectations  map[string]bool
}

// ParsePact decodes a pact's JSON.
func ParsePact(text string) (map[string]any, error) {
	var pact map[string]any
	if err := json.Unmarshal([]byte(text), &pact); err != nil {
		return nil, fmt.Errorf("the pact is not JSON: %w", err)
	}
	return pact, nil
}

// Interactions returns the pact's gRPC interactions (those this plugin configured).
func Interactions(pact map[string]any) ([]*Interaction, error) {
	raw, _ := pact["interactions"].([]any)
	var out []*Interaction
	for _, r := range raw {
		i, _ := r.(map[string]any)
		if _, ok := protobufConfig(i); !ok {
			continue
		}
		gi, err := ParseInteraction(pact, i)
		if err != nil {
			return nil, err
		}
		out = append(out, gi)
	}
	return out, nil
}

// FindInteraction finds the interaction with the given key (the driver sets keys).
func FindInteraction(pact map[string]any, key string) (*Interaction, error) {
	raw, _ := pact["interactions"].([]any)
	for _, r := range raw {
		i, _ := r.(map[string]any)
		if k, _ := i["key"].(string); k == key {
			if t, _ := i["type"].(string); t != "Synchronous/Messages" {
				return nil, fmt.Errorf("gRPC interactions are V4 synchronous messages; %q is %s", i["description"], t)
			}
			return ParseInteraction(pact, i)
		}
	}
	return nil, fmt.Errorf("the pact has no interaction with key %s", key)
}

func protobufConfig(i map[string]any) (map[string]any, bool) {
	pc, _ := i["pluginConfiguration"].(map[string]any)
	cfg, ok := pc[PluginName].(map[string]any)
	return cfg, ok
}

// ParseInteraction decodes one interaction of pact.
func ParseInteraction(pact map[string]any, i map[string]any) (*Interaction, error) {
	desc, _ := i["description"].(string)
	cfg, ok := protobufConfig(i)
	if !ok {
		return nil, fmt.Errorf("interaction %q has no protobuf plugin configuration", desc)
	}
	service, _ := cfg["service"].(string)
	key, _ := cfg["descriptorKey"].(string)
	if service == "" || key == "" {
		return nil, fmt.Errorf("interaction %q: the protobuf configuration needs service and descriptorKey", desc)
	}
	descriptors, err := DescriptorsFromPact(pact, key)
	if err != nil {
		return nil, fmt.Errorf("interaction %q: %w", desc, err)
	}
	method, err := descriptors.Method(service)
	if err != nil {
		return nil, fmt.Errorf("interaction %q: %w", desc, err)
	}
	gi := &Interaction{
		Description: desc,
		Route:       "/" + string(method.Parent().FullName()) + "/" + string(method.Name()),
		Method:      method,
	}
	gi.Key, _ = i["key"].(string)
	expectations, _ := cfg["expectations"].(map[string]any)
	req, _ := i["request"].(map[string]any)
	if gi.Request, err = parsePart(req, expectations["request"]); err != nil {
		return nil, fmt.Errorf("interaction %q request: %w", desc, err)
	}
	if resps, _ := i["response"].([]any); len(resps) > 0 {
		resp, _ := resps[0].(map[string]any)
		if gi.Response, err = parsePart(resp, expectations["response"]); err != nil {
			return nil, fmt.Errorf("interaction %q response: %w", desc, err)
		}
	}
	return gi, nil
}

func parsePart(p map[string]any, expectations any) (Part, error) {
	var part Part
	contents, _ := p["contents"].(map[string]any)
	if c, ok := contents["content"].(string); ok {
		if enc, _ := contents["encoded"].(string); enc == "base64" || enc == "" {
			raw, err := base64.StdEncoding.DecodeString(c)
			if err != nil {
				return part, fmt.Errorf("contents are not base64: %w", err)
			}
			part.Contents = raw
		} else {
			part.Contents = []byte(c)
		}
	}
	rules, _ := p["matchingRules"].(map[string]any)
	body, _ := rules["body"].(map[string]any)
	var err error
	if part.Rules, err = RulesFromPact(body); err != nil {
		return part, err
	}
	md, _ := rules["metadata"].(map[string]any)
	if part.MetadataRules, err = RulesFromPact(md); err != nil {
		return part, err
	}
	part.Metadata = map[string]string{}
	meta, _ := p["metadata"].(map[string]any)
	for k, v := range meta {
		if k == "contentType" {
			continue
		}
		part.Metadata[k] = fmt.Sprint(v)
	}
	part.Expectations = ExpectationPaths(expectations)
	return part, nil
}

// ExpectationPaths lists the paths the consumer's configuration mentions ($.order.status),
// list indices dropped.
func ExpectationPaths(config any) map[string]bool {
	out := map[string]bool{}
	var walk func(v any, path string)
	walk = func(v any, path string) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				if strings.HasPrefix(k, "pact:") {
					continue
				}
				p := path + "." + k
				out[p] = true
				walk(child, p)
			}
		case []any:
			for _, child := range x {
				walk(child, path)
			}
		}
	}
	walk(config, "$")
	return out
}
