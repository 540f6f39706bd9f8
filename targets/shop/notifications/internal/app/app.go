// Package app holds the notifications use cases, one file each.
package app

// Application is every use case of notifications, as the ports call them.
type Application struct {
	Commands Commands
	Queries  Queries
}

// Commands change state.
type Commands struct {
	HandleOrderEvent HandleOrderEventHandler
}

// Queries read state.
type Queries struct {
	ListNotifications ListNotificationsHandler
	Stats             StatsHandler
}
