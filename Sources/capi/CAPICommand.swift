import ArgumentParser

@main
struct CAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capi",
        abstract: "A self-hostable conversion measurement server (Scope3 Conversion API, AdCP log_event).",
        subcommands: [Serve.self, Accounts.self, Keys.self, EventSources.self, Attribute.self, Rollups.self, Links.self, Migrate.self],
        defaultSubcommand: Serve.self)
}
