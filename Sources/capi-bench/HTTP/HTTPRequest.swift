/// The head of a POST (or GET) to the server under test.
struct HTTPRequest: Sendable {
    var method = "POST"
    var path: String
    var headers: [(String, String)] = []

    init(method: String = "POST", path: String, headers: [(String, String)] = []) {
        self.method = method
        self.path = path
        self.headers = headers
    }

    func head(host: String, port: UInt16, bodyLength: Int) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if method != "GET" || bodyLength > 0 { text += "Content-Length: \(bodyLength)\r\n" }
        return text + "\r\n"
    }
}
