"""Questions asked of reports: targets (check), FCR at several windows; more to come (compare, staffing)."""
