"""Research scripts that reproduce the course material with figures and saved results.

``python -m experiments`` runs every experiment in quick mode and writes a report;
``python -m experiments.<name> --help`` documents each one.
"""
