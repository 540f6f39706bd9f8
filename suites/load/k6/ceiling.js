// The scripted runner's ceiling: the least a k6 script can do, one GET per iteration with no
// sleep, as `faultline bench ceiling` runs it beside wrk and the declarative runner (--vus and
// --duration given there). Run alone: faultline load run k6/ceiling.js --vus 32 --duration 10s
import http from "k6/http";

export default function () {
  http.get(`${__ENV.BASE_URL}/healthz`);
}
