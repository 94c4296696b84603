"""A corpus of department-budget workbooks in the layouts finance teams send, with their expected outcomes."""
