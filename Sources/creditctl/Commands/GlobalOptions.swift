import ArgumentParser

/// Lets the options every command shares come before the subcommand, as systemctl and kubectl
/// allow (`creditctl --socket S --json balance ann`). argument-parser only accepts an option on
/// the command that declares it, so these are moved behind the subcommand path before parsing.
enum GlobalOptions {
    /// The shared options (see `Connection` and `Mutation`), and whether each takes a value.
    static let takesValue: [String: Bool] = ["--socket": true, "--json": false, "--staff": true,
                                             "--idempotency-key": true]

    /// `arguments` (without the program name) with the shared options found before or between the
    /// subcommand names moved after them; everything from the first other word on keeps its order.
    static func reorder(_ arguments: [String], root: any ParsableCommand.Type) -> [String] {
        var command = root
        var path: [String] = []
        var moved: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            let name = word.split(separator: "=", maxSplits: 1).first.map(String.init) ?? word
            if let needsValue = takesValue[name] {
                moved.append(word)
                if needsValue && !word.contains("=") && index + 1 < arguments.count {
                    moved.append(arguments[index + 1])
                    index += 1
                }
                index += 1
                continue
            }
            guard let sub = subcommand(of: command, named: word) else { break }
            path.append(word)
            command = sub
            index += 1
        }
        var rest = Array(arguments[index...])
        // Options after `--` would be taken as positional arguments: keep them before it.
        let end = rest.firstIndex(of: "--") ?? rest.count
        rest.insert(contentsOf: moved, at: end)
        return path + rest
    }

    private static func subcommand(of command: any ParsableCommand.Type, named word: String) -> (any ParsableCommand.Type)? {
        command.configuration.subcommands.first { sub in
            sub._commandName == word || sub.configuration.aliases.contains(word)
        }
    }
}
