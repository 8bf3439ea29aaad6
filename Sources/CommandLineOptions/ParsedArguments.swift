#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error through the file descriptor (the C `stderr` global is not concurrency-safe).
public func printError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// What the command line said, checked against a ``CommandSpec``.
public struct ParsedArguments {
    /// The command it was parsed for.
    public let spec: CommandSpec
    /// Positional arguments, in order.
    public private(set) var positional: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments`; prints the help and exits 0 on `-h`/`--help`, and exits 64 with a
    /// message on an unknown option, a missing value or a missing required option or argument.
    public init(_ arguments: ArraySlice<String>, spec: CommandSpec) {
        self.spec = spec
        let byName = Dictionary(spec.options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let a = arguments[i]
            i += 1
            if a == "-h" || a == "--help" {
                print(spec.help, terminator: "")
                exit(0)
            }
            guard a.hasPrefix("--") else {
                positional.append(a)
                continue
            }
            var name = a
            var inline: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            guard let option = byName[name] else { usage("unknown option '\(a)'") }
            if option.value == nil {
                if inline != nil { usage("\(name) takes no value") }
                flags.insert(name)
            } else if let inline {
                values[name] = inline
            } else {
                guard i < arguments.endIndex else { usage("missing value for '\(name)'") }
                values[name] = arguments[i]
                i += 1
            }
        }
        for name in spec.required.sorted() where values[name] == nil {
            usage("missing '\(name) <\(byName[name]?.value ?? "value")>'")
        }
        if positional.count < spec.arguments.count {
            usage("missing <\(spec.arguments[positional.count].name)>")
        }
        if positional.count > spec.arguments.count, spec.arguments.last.map({ !$0.name.hasSuffix("...") }) ?? true {
            usage("unexpected argument '\(positional[spec.arguments.count])'")
        }
    }

    /// Exits 64 with the message and a pointer to the help.
    public func usage(_ message: String) -> Never {
        printError("Error: \(message)\nHelp:  \(spec.name) --help\n")
        exit(64)
    }

    /// The value given to an option, if any.
    public func value(_ name: String) -> String? {
        assert(spec.options.contains { $0.name == name && $0.value != nil }, "\(name) is not a declared value option")
        return values[name]
    }

    /// The value of a required option (the parser has checked it is there).
    public func required(_ name: String) -> String {
        guard let v = value(name) else { usage("missing '\(name)'") }
        return v
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool {
        assert(spec.options.contains { $0.name == name && $0.value == nil }, "\(name) is not a declared flag")
        return flags.contains(name)
    }

    /// A whole number option (`_` separators allowed), at least `minimum`.
    public func count(_ name: String, minimum: Int = 0) -> Int? {
        guard let text = value(name) else { return nil }
        guard let v = Int(text.filter { $0 != "_" }), v >= minimum else {
            usage("\(name) takes a whole number \(minimum) or more, not '\(text)'")
        }
        return v
    }
}
