"""The reports (/reports): queue figures over any past period, with CSV and XLSX exports."""
