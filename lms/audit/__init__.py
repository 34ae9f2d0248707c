"""The audit log: who changed what the office answers for, with before and after."""
