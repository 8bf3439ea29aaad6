/// One problem found in an input file, located by line or JSON path.
public struct InputProblem: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file name (`partners.csv`, `agreements.json`, ...).
    public var file: String
    /// The 1-based line of the record, for CSV files and JSON syntax errors.
    public var line: Int?
    /// The JSON path (`agreements[3].tiers[1].from`) or CSV column name.
    public var field: String?
    /// Why the input is refused.
    public var reason: String

    /// Creates a problem report.
    public init(file: String, line: Int? = nil, field: String? = nil, reason: String) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
    }

    /// `file:line: field: reason`, the form printed on stderr.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let field { s += ": \(field)" }
        return s + ": " + reason
    }
}

/// The errors a run can end with; each maps to a documented exit code.
public enum RebateError: Error, Sendable, CustomStringConvertible {
    /// Master data, agreements or the transactions header are unusable (exit code 2).
    case invalidInput([InputProblem])
    /// More transaction lines were rejected than allowed (exit code 3).
    case tooManyRejects(rejected: Int, allowed: Int)
    /// A file could not be read or written (exit code 74).
    case io(path: String, reason: String)
    /// A value exceeded the documented limits of exact arithmetic (exit code 2).
    case limitExceeded(String)
    /// An internal consistency check failed; the outputs are not trustworthy (exit code 70).
    case invariantViolated(String)

    /// The process exit code documented in the README.
    public var exitCode: Int32 {
        switch self {
        case .invalidInput, .limitExceeded: return 2
        case .tooManyRejects: return 3
        case .io: return 74
        case .invariantViolated: return 70
        }
    }

    /// Every exit code a run can end with and what it means, for help texts and docs: the one
    /// list, so what `--help` says cannot drift from ``exitCode``. Command-line usage (64) is the
    /// executables' own.
    public static let exitCodes: [(code: Int32, meaning: String)] = [
        (0, "success"),
        (
            2,
            "bad partners, products, agreements, rates, ledger or claims file, a transactions header without a required column, a value beyond the limits of exact arithmetic, or shards that do not belong together (every problem is listed on stderr)"
        ),
        (
            3,
            "more transaction lines rejected than --max-rejects (rejects.csv and summary.json are written; no accrual outputs)"
        ),
        (70, "an internal check failed (a bug: please report it)"),
        (
            74,
            "a file could not be read or written, another run is writing into the output folder, or the run would not fit in memory"
        ),
    ]

    /// The message printed after `Error: ` on stderr.
    public var description: String {
        switch self {
        case .invalidInput(let problems):
            return "\(problems.count) problem\(problems.count == 1 ? "" : "s") in the input:\n"
                + problems.map { "  " + $0.description }.joined(separator: "\n")
        case .tooManyRejects(let rejected, let allowed):
            return
                "\(rejected) transaction line\(rejected == 1 ? " was" : "s were") rejected, more than --max-rejects \(allowed); see rejects.csv"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        case .limitExceeded(let what):
            return "limit exceeded: \(what)"
        case .invariantViolated(let what):
            return "internal check failed: \(what)"
        }
    }
}
