// server.ts's adapter hands the app @whatwg-node's Request objects, and writes a Response of
// theirs whose body is a string straight to the socket; a global (undici) Response is drained
// through a web stream instead, several times the cost. Every request and response the app
// builds uses these classes.
export { Request, Response } from '@whatwg-node/fetch';
