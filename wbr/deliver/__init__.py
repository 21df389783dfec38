"""Delivering a rendered deck: the email message and SMTP."""
