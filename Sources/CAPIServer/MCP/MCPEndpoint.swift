import Hummingbird

/// Mounts MCP (streamable HTTP) at `/mcp`. The group is already behind the
/// auth middleware, so `context.principal` is set.
func addMCPRoutes(to group: RouterGroup<CAPIRequestContext>, service: ConversionService) {
    // Placeholder until the MCP door lands.
}
