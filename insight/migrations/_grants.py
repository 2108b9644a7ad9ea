"""Permission lists for the data migrations of this app (the migration
loader skips modules whose name starts with _). The granting itself is
mis.roles.grant_operations, shared by every app."""


def crud(*models, delete=False):
    actions = ("view", "add", "change", *(("delete",) if delete else ()))
    return [f"insight.{a}_{m}" for m in models for a in actions]


def view(*models):
    return [f"insight.view_{m}" for m in models]
