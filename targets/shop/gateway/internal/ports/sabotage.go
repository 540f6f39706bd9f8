package ports

import (
	"fmt"
	"strings"

	"faultline.dev/shop/platform/sabotage"
)

// BreakingChange is the gateway's own sabotage switch: the order response's "status" field
// is renamed "state", a real provider-side breaking change for the contract suites (a
// consumer that reads "status" breaks). platform/sabotage does not know it yet, so the
// gateway parses it here; once platform has the constant, use that one instead.
const BreakingChange sabotage.Switch = "breaking-change"

// ParseSabotage reads a SHOP_SABOTAGE list: breaking-change is taken here, every other
// name by platform/sabotage (which fails on unknown names).
func ParseSabotage(list string) (*sabotage.Switches, error) {
	var rest []string
	breaking := false
	for name := range strings.SplitSeq(list, ",") {
		if strings.TrimSpace(name) == string(BreakingChange) {
			breaking = true
			continue
		}
		rest = append(rest, name)
	}
	sb, err := sabotage.Parse(strings.Join(rest, ","))
	if err != nil {
		return nil, fmt.Errorf("%w (the gateway also knows %s)", err, BreakingChange)
	}
	if breaking {
		sb = sabotage.New(append(sb.List(), BreakingChange)...)
	}
	return sb, nil
}
