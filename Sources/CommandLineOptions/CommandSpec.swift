#if canImport(Glibc)
import Glibc
#endif

/// One option of a command: declared once, so the parser and the `--help` text come from the same table.
public struct OptionSpec: Sendable {
    /// `--out`, `--as-of`, ...
    public var name: String
    /// The placeholder of the value (`dir`, `date`), or `nil` for a flag.
    public var value: String?
    /// What it does, for `--help`; may hold line breaks.
    public var help: String

    /// An option that takes a value: `--name <value>` or `--name=value`.
    public static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: placeholder, help: help)
    }

    /// An option without a value.
    public static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, value: nil, help: help)
    }
}

/// A command (or subcommand): its words for `--help` and its options.
public struct CommandSpec: Sendable {
    /// The words that call it: `rebate accrue`, `data-gen`.
    public var name: String
    /// One paragraph on what it does.
    public var overview: String
    /// Positional arguments: `(placeholder, help)`, all required.
    public var arguments: [(name: String, help: String)]
    /// The options, in the order `--help` lists them.
    public var options: [OptionSpec]
    /// Options that must be given.
    public var required: Set<String>
    /// Text after the options (exit codes, notes).
    public var discussion: String

    /// Declares a command.
    public init(
        name: String, overview: String, arguments: [(name: String, help: String)] = [], options: [OptionSpec],
        required: Set<String> = [], discussion: String = ""
    ) {
        self.name = name
        self.overview = overview
        self.arguments = arguments
        self.options = options
        self.required = required
        self.discussion = discussion
    }

    /// The usage line, made from the table.
    public var usage: String {
        var words = [name] + arguments.map { "<\($0.name)>" }
        for o in options {
            let word = o.value.map { "\(o.name) <\($0)>" } ?? o.name
            words.append(required.contains(o.name) ? word : "[\(word)]")
        }
        return words.joined(separator: " ")
    }

    /// The whole `--help` text, made from the table.
    public var help: String {
        var out = "OVERVIEW: \(overview)\n\nUSAGE: \(usage)\n"
        let column = 26
        func entry(_ head: String, _ text: String) -> String {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let pad =
                head.count + 2 < column
                ? String(repeating: " ", count: column - head.count - 2) : "\n" + String(repeating: " ", count: column)
            return "  " + head + pad + lines.joined(separator: "\n" + String(repeating: " ", count: column)) + "\n"
        }
        if !arguments.isEmpty {
            out += "\nARGUMENTS:\n" + arguments.map { entry("<\($0.name)>", $0.help) }.joined()
        }
        out += "\nOPTIONS:\n"
        for o in options { out += entry(o.value.map { "\(o.name) <\($0)>" } ?? o.name, o.help) }
        out += entry("-h, --help", "Show help information.")
        if !discussion.isEmpty { out += "\n" + discussion + "\n" }
        return out
    }
}
