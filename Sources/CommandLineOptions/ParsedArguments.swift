#if canImport(Glibc)
import Glibc
#endif

/// Writes to standard error through the file descriptor (the C `stderr` global is not concurrency-safe).
public func printError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Why a command line was not parsed: help was asked for, or the line is wrong (exit 64).
public enum CommandLineError: Error, Equatable {
    /// `-h` or `--help`: the help text to print (exit 0).
    case help(String)
    /// A wrong command line: what is wrong, for the user.
    case usage(String)
}

/// What the command line said, checked against a ``CommandSpec``.
public struct ParsedArguments {
    /// The command it was parsed for.
    public let spec: CommandSpec
    /// Positional arguments, in order.
    public private(set) var positional: [String] = []
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments` against `spec`.
    /// - Throws: ``CommandLineError/help(_:)`` on `-h`/`--help`; ``CommandLineError/usage(_:)`` on
    ///   an unknown option, a missing value, a value given to a flag, a missing required option or
    ///   argument, or an unexpected argument.
    public static func parse(_ arguments: ArraySlice<String>, spec: CommandSpec) throws(CommandLineError)
        -> ParsedArguments
    {
        // Help wins wherever it is, whatever else is wrong: it is what a lost user types.
        if arguments.contains(where: { $0 == "-h" || $0 == "--help" }) { throw .help(spec.help) }
        var out = ParsedArguments(spec: spec)
        let byName = Dictionary(spec.options.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var i = arguments.startIndex
        while i < arguments.endIndex {
            let a = arguments[i]
            i += 1
            guard a.hasPrefix("--") else {
                out.positional.append(a)
                continue
            }
            var name = a
            var inline: String?
            if let eq = a.firstIndex(of: "=") {
                name = String(a[..<eq])
                inline = String(a[a.index(after: eq)...])
            }
            guard let option = byName[name] else { throw .usage("unknown option '\(a)'") }
            if option.value == nil {
                if inline != nil { throw .usage("\(name) takes no value") }
                out.flags.insert(name)
            } else if let inline {
                out.values[name] = inline
            } else {
                guard i < arguments.endIndex else { throw .usage("missing value for '\(name)'") }
                out.values[name] = arguments[i]
                i += 1
            }
        }
        for name in spec.required.sorted() where out.values[name] == nil {
            throw .usage("missing '\(name) <\(byName[name]?.value ?? "value")>'")
        }
        if out.positional.count < spec.arguments.count {
            throw .usage("missing <\(spec.arguments[out.positional.count].name)>")
        }
        if out.positional.count > spec.arguments.count,
            spec.arguments.last.map({ !$0.name.hasSuffix("...") }) ?? true
        {
            throw .usage("unexpected argument '\(out.positional[spec.arguments.count])'")
        }
        return out
    }

    private init(spec: CommandSpec) { self.spec = spec }

    /// Parses `arguments` for an executable's `main`: prints the help and exits 0 on `-h`/`--help`,
    /// and exits 64 with the message on a wrong command line (``parse(_:spec:)`` for callers that
    /// must not exit).
    public init(_ arguments: ArraySlice<String>, spec: CommandSpec) {
        do throws(CommandLineError) {
            self = try Self.parse(arguments, spec: spec)
        } catch {
            switch error {
            case .help(let text):
                print(text, terminator: "")
                exit(0)
            case .usage(let message):
                Self.exitWithUsage(message, command: spec.name)
            }
        }
    }

    /// Exits 64 with the message and a pointer to the help.
    public func usage(_ message: String) -> Never {
        Self.exitWithUsage(message, command: spec.name)
    }

    private static func exitWithUsage(_ message: String, command: String) -> Never {
        printError("Error: \(message)\nHelp:  \(command) --help\n")
        exit(64)
    }

    /// The value given to an option, if any.
    public func value(_ name: String) -> String? {
        // A name the table does not declare is a mistake in the program, not in the command line:
        // stop in every build rather than read it as absent.
        precondition(
            spec.options.contains { $0.name == name && $0.value != nil }, "\(name) is not a declared value option")
        return values[name]
    }

    /// The value of a required option (the parser has checked it is there).
    public func required(_ name: String) -> String {
        guard let v = value(name) else { usage("missing '\(name)'") }
        return v
    }

    /// Whether a flag was given.
    public func flag(_ name: String) -> Bool {
        precondition(spec.options.contains { $0.name == name && $0.value == nil }, "\(name) is not a declared flag")
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
