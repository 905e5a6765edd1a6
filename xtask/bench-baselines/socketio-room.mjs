// The baseline of `cargo xtask bench realtime`: the Socket.IO (Node) broadcast the old design
// used, doing what a Forecourt room does for the benchmark. Every client joins one room;
// `POST /publish` with a JSON body emits it to the room as an "event".
//
//   node socketio-room.mjs <port>               serve on 127.0.0.1:<port>, print "ready <port>"
//   node socketio-room.mjs <port> --self-check  also connect one socket.io-client and check a
//                                               published event arrives (then exit 0 or 1)
//
// Loopback only, WebSocket transport only (no long-polling, no compression), like the rooms.
import { createServer } from "node:http";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";

const port = Number(process.argv[2] ?? 0);
const selfCheck = process.argv.includes("--self-check");

const http = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/publish") {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      try {
        ioServer.to("room").emit("event", JSON.parse(Buffer.concat(chunks).toString("utf8")));
        res.writeHead(204).end();
      } catch (error) {
        res.writeHead(400).end(String(error));
      }
    });
    return;
  }
  res.writeHead(404).end();
});

const ioServer = new Server(http, {
  transports: ["websocket"],
  perMessageDeflate: false,
  maxHttpBufferSize: 1024 * 1024,
  pingInterval: 25_000,
});
ioServer.on("connection", (socket) => socket.join("room"));

http.listen(port, "127.0.0.1", async () => {
  const actual = http.address().port;
  if (!selfCheck) {
    console.log(`ready ${actual}`);
    return;
  }
  const client = connect(`http://127.0.0.1:${actual}`, { transports: ["websocket"] });
  const timer = setTimeout(() => {
    console.error("self-check: no event within 5 s");
    process.exit(1);
  }, 5_000);
  client.on("event", (body) => {
    clearTimeout(timer);
    console.log(`self-check ok ${JSON.stringify(body)}`);
    process.exit(0);
  });
  client.on("connect", () => {
    // The join happens on the server's connection handler; publish on the next tick.
    setTimeout(() => fetch(`http://127.0.0.1:${actual}/publish`, { method: "POST", body: '{"i":0}' }), 50);
  });
});

if (!selfCheck) {
  // Never outlive the benchmark that started us: it holds our stdin open while it runs.
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
