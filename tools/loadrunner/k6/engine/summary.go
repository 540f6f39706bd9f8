package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"
)

var defaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

func (e *Engine) trendStats() []string {
	if len(e.opts.SummaryTrendStats) > 0 {
		return e.opts.SummaryTrendStats
	}
	return defaultTrendStats
}

// formatValue writes a value as k6's summary does: times in µs/ms/s, data in B/kB/MB.
func formatValue(v float64, c ValueType) string {
	switch c {
	case Time:
		switch {
		case v < 1:
			return fmt.Sprintf("%.2fµs", v*1000)
		case v < 1000:
			return fmt.Sprintf("%.2fms", v)
		default:
			return fmt.Sprintf("%.2fs", v/1000)
		}
	case Data:
		switch {
		case v < 1000:
			return fmt.Sprintf("%.0f B", v)
		case v < 1e6:
			return fmt.Sprintf("%.1f kB", v/1e3)
		default:
			return fmt.Sprintf("%.1f MB", v/1e6)
		}
	}
	return fmt.Sprintf("%g", round(v))
}

func round(v float64) float64 { return float64(int64(v*1e6+0.5)) / 1e6 }

// metricLine is the figures of one metric (or sub-metric) after its name.
func (e *Engine) metricLine(m *Metric, s *Sink, elapsed time.Duration) string {
	switch m.Type {
	case Counter:
		rate := s.Count / elapsed.Seconds()
		return fmt.Sprintf("%-10s %s/s", formatValue(s.Count, m.Contains), formatValue(rate, m.Contains))
	case Gauge:
		return fmt.Sprintf("%-10s min=%s max=%s", formatValue(s.Last, m.Contains), formatValue(nz(s.Min), m.Contains), formatValue(nz(s.Max), m.Contains))
	case Rate:
		pct := 0.0
		if s.Count > 0 {
			pct = s.Passes / s.Count * 100
		}
		return fmt.Sprintf("%.2f%%  %d out of %d", pct, int64(s.Passes), int64(s.Count))
	}
	parts := make([]string, 0, 6)
	for _, st := range e.trendStats() {
		v, err := s.Value(st, elapsed)
		if err == nil {
			parts = append(parts, st+"="+formatValue(v, m.Contains))
		}
	}
	return strings.Join(parts, " ")
}

// Summary is the end-of-test summary, laid out as k6 prints it.
func (e *Engine) Summary(elapsed time.Duration, scenarios []*Scenario) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n     scenarios: (100.00%%) %d scenario(s), %d max VUs, %s\n", len(scenarios), e.maxVUs.Load(), elapsed.Round(time.Millisecond))
	for _, sc := range scenarios {
		fmt.Fprintf(&b, "              * %s: %s (exec: %s)\n", sc.Name, sc.Executor, or2(sc.Exec, "default"))
	}
	b.WriteString("\n")
	// Checks by group, in the order first seen.
	group := "\x01"
	for _, k := range e.agg.order {
		c := e.agg.checks[k]
		if c.group != group {
			if group != "\x01" {
				b.WriteString("\n")
			}
			group = c.group
			if group != "" {
				fmt.Fprintf(&b, "     █ %s\n\n", strings.TrimPrefix(strings.ReplaceAll(group, "::", " › "), " › "))
			}
		}
		mark := "✓"
		if c.fail > 0 {
			mark = "✗"
		}
		fmt.Fprintf(&b, "     %s %s\n", mark, c.name)
		if c.fail > 0 {
			fmt.Fprintf(&b, "      ↳  %d%% — ✓ %d / ✗ %d\n", c.pass*100/(c.pass+c.fail), c.pass, c.fail)
		}
	}
	if len(e.agg.order) > 0 {
		b.WriteString("\n")
	}
	byMetric := map[string][]*Threshold{}
	for _, t := range e.thresholds {
		byMetric[t.Key] = append(byMetric[t.Key], t)
	}
	type row struct{ mark, name, line string }
	var rows []row
	mark := func(key string) string {
		ts, ok := byMetric[key]
		if !ok {
			return " "
		}
		for _, t := range ts {
			if t.Failed {
				return "✗"
			}
		}
		return "✓"
	}
	for _, name := range e.Registry.Names() {
		m := e.Registry.Get(name)
		s := e.agg.sinks[m]
		if s == nil {
			continue
		}
		rows = append(rows, row{mark(name), name, e.metricLine(m, s, elapsed)})
		var subs []string
		for k := range e.agg.subKeys {
			if strings.HasPrefix(k, name+"{") {
				subs = append(subs, k)
			}
		}
		sort.Strings(subs)
		for _, k := range subs {
			if ss := e.agg.subKeys[k]; ss != nil {
				rows = append(rows, row{mark(keyOf(e.thresholds, k)), "  { " + strings.TrimSuffix(k[len(name)+1:], "}") + " }", e.metricLine(m, ss, elapsed)})
			}
		}
	}
	width := 0
	for _, r := range rows {
		width = max(width, len([]rune(r.name))+3)
	}
	for _, r := range rows {
		dots := strings.Repeat(".", width-len([]rune(r.name)))
		fmt.Fprintf(&b, "   %s %s%s: %s\n", r.mark, r.name, dots, r.line)
	}
	b.WriteString("\n")
	for _, t := range e.thresholds {
		if t.Failed {
			fmt.Fprintf(&b, "ERRO[%04d] thresholds on metrics '%s' have been crossed\n", int(elapsed.Seconds()), t.Key)
			break
		}
	}
	return b.String()
}

// keyOf maps a normalised sub-metric key back to the threshold key the script wrote.
func keyOf(ts []*Threshold, norm string) string {
	for _, t := range ts {
		if len(t.Filter) > 0 && SelectorKey(t.Metric, t.Filter) == norm {
			return t.Key
		}
	}
	return norm
}

func or2(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// writeSummaryExport writes --summary-export FILE in k6's format: metrics by name with their
// figures and thresholds (true: the threshold failed), and the checks of the root group.
func (e *Engine) writeSummaryExport(elapsed time.Duration) error {
	metrics := map[string]map[string]any{}
	for _, name := range e.Registry.Names() {
		m := e.Registry.Get(name)
		s := e.agg.sinks[m]
		if s == nil {
			continue
		}
		metrics[name] = e.exportFigures(m, s, elapsed)
	}
	for k, s := range e.agg.subKeys {
		if s != nil {
			name, _, _ := ParseSelector(k)
			metrics[keyOf(e.thresholds, k)] = e.exportFigures(e.Registry.Get(name), s, elapsed)
		}
	}
	for _, t := range e.thresholds {
		fig, ok := metrics[t.Key]
		if !ok {
			fig = map[string]any{}
			metrics[t.Key] = fig
		}
		th, _ := fig["thresholds"].(map[string]bool)
		if th == nil {
			th = map[string]bool{}
			fig["thresholds"] = th
		}
		th[t.Source] = t.Failed
	}
	checks := map[string]any{}
	for _, k := range e.agg.order {
		c := e.agg.checks[k]
		checks[c.name] = map[string]any{"name": c.name, "path": c.group + "::" + c.name, "passes": c.pass, "fails": c.fail}
	}
	out := map[string]any{"root_group": map[string]any{"name": "", "path": "", "groups": map[string]any{}, "checks": checks},
		"metrics": metrics}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	return os.WriteFile(e.cfg.SummaryExport, buf.Bytes(), 0o644)
}

func (e *Engine) exportFigures(m *Metric, s *Sink, elapsed time.Duration) map[string]any {
	switch m.Type {
	case Counter:
		return map[string]any{"count": s.Count, "rate": s.Count / elapsed.Seconds()}
	case Gauge:
		return map[string]any{"value": s.Last, "min": nz(s.Min), "max": nz(s.Max)}
	case Rate:
		v := 0.0
		if s.Count > 0 {
			v = s.Passes / s.Count
		}
		if m.Name == "checks" {
			return map[string]any{"passes": s.Passes, "fails": s.Count - s.Passes, "value": v}
		}
		return map[string]any{"passes": s.Passes, "fails": s.Count - s.Passes, "value": v}
	}
	f := map[string]any{}
	for _, st := range e.trendStats() {
		if v, err := s.Value(st, elapsed); err == nil {
			f[st] = v
		}
	}
	return f
}
