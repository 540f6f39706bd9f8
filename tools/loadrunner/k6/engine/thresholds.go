package engine

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Threshold is one `'<agg> <op> <value>'` on a metric or a sub-metric (`name{tag:value}`).
type Threshold struct {
	Key            string // the options key: "http_req_duration{status:200}"
	Metric         string
	Filter         Tags
	Source         string // "p(95)<200"
	Agg, Op        string
	Limit          float64
	AbortOnFail    bool
	DelayAbortEval time.Duration
	// Set at evaluation.
	Observed float64
	Failed   bool
}

var thresholdExpr = regexp.MustCompile(`^\s*([a-z]+(?:\(\s*[0-9.]+\s*\))?)\s*(<=|>=|===|==|!=|<|>)\s*(-?[0-9.eE+-]+)\s*$`)

// ParseSelector splits `name{k:v, k2:v2}` into the metric name and its tag filter.
func ParseSelector(key string) (string, Tags, error) {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return strings.TrimSpace(key), nil, nil
	}
	if !strings.HasSuffix(key, "}") {
		return "", nil, fmt.Errorf("%q: a sub-metric is written name{tag:value}", key)
	}
	tags := Tags{}
	for _, kv := range strings.Split(key[i+1:len(key)-1], ",") {
		k, v, ok := strings.Cut(kv, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return "", nil, fmt.Errorf("%q: a sub-metric is written name{tag:value}", key)
		}
		tags[strings.TrimSpace(k)] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	return strings.TrimSpace(key[:i]), tags, nil
}

// SelectorKey writes a filter back in a stable form: name{a:1,b:2}.
func SelectorKey(name string, f Tags) string {
	if len(f) == 0 {
		return name
	}
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ":" + f[k]
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// ParseThresholds reads options.thresholds: each key maps to a list of strings or of objects
// {threshold, abortOnFail, delayAbortEval}.
func ParseThresholds(raw map[string]json.RawMessage) ([]*Threshold, error) {
	var out []*Threshold
	var errs []string
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		name, filter, err := ParseSelector(key)
		if err != nil {
			errs = append(errs, "options.thresholds: "+err.Error())
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw[key], &items); err != nil {
			errs = append(errs, fmt.Sprintf("options.thresholds[%q]: give a list such as ['p(95)<200']", key))
			continue
		}
		for _, it := range items {
			t := &Threshold{Key: key, Metric: name, Filter: filter}
			var s string
			if json.Unmarshal(it, &s) == nil {
				t.Source = s
			} else {
				var o struct {
					Threshold      string `json:"threshold"`
					AbortOnFail    bool   `json:"abortOnFail"`
					DelayAbortEval string `json:"delayAbortEval"`
				}
				if err := json.Unmarshal(it, &o); err != nil || o.Threshold == "" {
					errs = append(errs, fmt.Sprintf("options.thresholds[%q]: an item is a string or {threshold, abortOnFail, delayAbortEval}", key))
					continue
				}
				t.Source, t.AbortOnFail = o.Threshold, o.AbortOnFail
				if o.DelayAbortEval != "" {
					d, err := ParseDuration(o.DelayAbortEval)
					if err != nil {
						errs = append(errs, fmt.Sprintf("options.thresholds[%q].delayAbortEval: %v", key, err))
					}
					t.DelayAbortEval = d
				}
			}
			m := thresholdExpr.FindStringSubmatch(t.Source)
			if m == nil {
				errs = append(errs, fmt.Sprintf("options.thresholds[%q]: %q is not '<aggregation> <op> <number>' (e.g. 'p(95)<200', 'rate<0.01')", key, t.Source))
				continue
			}
			t.Agg = strings.ReplaceAll(m[1], " ", "")
			t.Op = m[2]
			t.Limit, _ = strconv.ParseFloat(m[3], 64)
			out = append(out, t)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// Check evaluates t against its sink; a threshold fails when its condition does not hold.
func (t *Threshold) Check(s *Sink, elapsed time.Duration) error {
	v, err := s.Value(t.Agg, elapsed)
	if err != nil {
		return fmt.Errorf("threshold %s '%s': %w", t.Key, t.Source, err)
	}
	t.Observed = v
	var ok bool
	switch t.Op {
	case "<":
		ok = v < t.Limit
	case "<=":
		ok = v <= t.Limit
	case ">":
		ok = v > t.Limit
	case ">=":
		ok = v >= t.Limit
	case "==", "===":
		ok = v == t.Limit
	case "!=":
		ok = v != t.Limit
	}
	t.Failed = !ok
	return nil
}

// ParseDuration reads k6 durations: "30s", "1m30s", "500ms", or a number of milliseconds.
func ParseDuration(s string) (time.Duration, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(n * float64(time.Millisecond)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		if strings.HasSuffix(s, "d") {
			if n, err2 := strconv.ParseFloat(strings.TrimSuffix(s, "d"), 64); err2 == nil {
				return time.Duration(n * 24 * float64(time.Hour)), nil
			}
		}
		return 0, fmt.Errorf("%q is not a duration such as \"30s\", \"1m30s\", \"500ms\"", s)
	}
	return d, nil
}
