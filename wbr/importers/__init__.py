"""Importers that convert other tools' deck definitions into wbr.yaml."""
