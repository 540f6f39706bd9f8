// The Docker connection moved to src/docker-client.ts (shared by env and images, which no longer
// import each other). This re-export keeps files that other branches are moving compiling; delete it
// once nothing imports it (`grep -rn "env/docker-client" src test suites`).
export * from "../docker-client.ts";
