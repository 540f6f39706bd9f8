package data_test

import (
	"strings"
	"testing"

	"faultline.dev/tools/loadrunner/k6/k6test"
)

func TestSharedArrayFromOpenIsReadOnlyAndSeenByEveryVU(t *testing.T) {
	r := k6test.Run(t, `
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';
const users = new SharedArray('users', function () { return JSON.parse(open('./users.json')).users; });
const seen = new Counter('seen');
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 2 } },
  thresholds: { 'seen{user:bo}': ['count==6'] } };
export default function () {
  if (users.length !== 2) throw new Error('length ' + users.length);
  users[1].name = 'changed';
  seen.add(1, { user: users[1].name });
}`, map[string]string{"users.json": `{"users":[{"name":"al"},{"name":"bo"}]}`}, nil)
	if r.Code != 0 {
		t.Fatalf("code %d err %v\n%s\n%s", r.Code, r.Err, r.Stdout, r.Stderr)
	}
}

func TestOpenOfAMissingFileNamesIt(t *testing.T) {
	r := k6test.Run(t, `const x = open('./nope.json'); export default function () {}`, nil, nil)
	if r.Code != 107 || r.Err == nil || !strings.Contains(r.Err.Error(), "nope.json") || !strings.Contains(r.Err.Error(), "beside the script") {
		t.Errorf("code %d err %v", r.Code, r.Err)
	}
}
